"""Whether the assistant's final answer solves the intent's problem.

- `gsm8k`: reading the final number of the last answer attempt and comparing it with the gold.
- `humaneval`: HumanEval problems and extracting the program from the assistant's replies
  (the program runs in `benchmark.execution`).
"""
