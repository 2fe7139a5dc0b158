"""Whether the assistant's final answer solves the intent's problem.

- `gsm8k`: the final answer of the last answer attempt, compared with the gold by value.
- `final_answer`: which stated number a chat reply gives as its final answer.
- `numbers`: numbers as chat text writes them, with exact values; `latex`: LaTeX math as plain values.
- `humaneval`: HumanEval problems and the program to test from the assistant's replies
  (the program runs in `benchmark.execution`); `python_code`: the code in a message and what of it is kept.
"""
