"""GSM8k, multi-turn: a simulated user who holds a grade-school math problem talks to
the assistant under test until satisfied; the assistant's final answer is graded.

Reproduces the GSM8k half of "Flipping the Dialogue: Training and Evaluating User
Language Models" (Naous et al., ICLR 2026), whose user simulator is UserLM-8b.

    inspect eval tasks/gsm8k_multiturn.py --model openai/gpt-4o
    inspect eval tasks/gsm8k_multiturn.py --model openai/gpt-4o \\
        --model-role user=vllm/microsoft/UserLM-8b --epochs 10        # the paper's protocol
    inspect eval tasks/gsm8k_multiturn.py --model openai/gpt-4o \\
        -T simulator=prompted --model-role user=openai/gpt-4o         # prompted baseline
"""

from inspect_ai import Task, task

from benchmark.constants import (
    DEFAULT_ANSWER_EXTRACTION,
    DEFAULT_BLANK_TURN,
    DEFAULT_MAX_RESAMPLES,
    DEFAULT_MAX_RESTARTS,
    DEFAULT_MAX_TURNS,
)
from benchmark.task import multiturn_task
from scorers import lexical_stats, task_score, turn_stats, user_behaviour

TASK_VERSION = "2.0.0"
"""Bump when scores stop being comparable with earlier logs."""


@task
def gsm8k_multiturn(
    simulator: str = "userlm",
    max_turns: int = DEFAULT_MAX_TURNS,
    allow_end: bool = True,
    intents: str | None = None,
    data_path: str | None = None,
    ban_openers: bool | None = None,
    word_bounds: bool | None = None,
    ban_repeats: bool | None = None,
    max_resamples: int = DEFAULT_MAX_RESAMPLES,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    blank_turn: str = DEFAULT_BLANK_TURN,
    shard: str | None = None,
    answer_extraction: str = DEFAULT_ANSWER_EXTRACTION,
) -> Task:
    """GSM8k multi-turn task.

    Args:
        simulator: User simulator: `userlm` (model role `user`, default
            vllm/microsoft/UserLM-8b), `prompted` (an assistant LM told to play the user;
            bind `--model-role user=...`), or `scripted` (offline, for tests).
        max_turns: Most user turns per conversation.
        allow_end: Let the user leave after the first turn; false reproduces the paper's
            "avoid termination" guardrail (conversations run to max_turns).
        intents: `curated` (the 20 shipped intents, default), `full` (all 1319 test
            problems, from data_path or the Hub), `lic` (the Lost in Conversation file at
            data_path), or the path of an intent JSONL file.
        data_path: Local GSM8k JSONL in the original question/answer format.
        ban_openers: Reject user turns starting with "I", "You" or "Here" (default: on
            for userlm, off for prompted).
        word_bounds: Reject user turns under 3 or over 25 words (same default).
        ban_repeats: Reject verbatim repeats of an earlier turn, the intent or an assistant message
            (same default).
        max_resamples: Fresh drafts per turn after a rejected one.
        max_restarts: Fresh starts of a conversation whose simulator failed (no acceptable opening
            turn, no acceptable turn later, a user-model error) before it is scored missing.
        blank_turn: `resample` a blank user turn (the paper's minimum-length guardrail), or `end`:
            read it as the user leaving (stop reason `blank`).
        shard: `K/N` runs shard K of N of the intents (all epochs of an intent in one shard), for a
            run split across processes or machines; the leaderboard and compare merge the shards.
        answer_extraction: Which answer is graded: `rules` (the final number of the last answer attempt,
            read by rule), or `llm`: the `judge` role (bind `--model-role judge=...`) sorts the assistant
            turns and reads the last answer attempt's final answer, as Lost in Conversation grades; a failing
            judge falls back to `rules`.
    """
    return multiturn_task(
        source="gsm8k",
        scorers=[task_score(answer_extraction=answer_extraction), user_behaviour(), turn_stats(), lexical_stats()],
        version=TASK_VERSION,
        simulator=simulator,
        max_turns=max_turns,
        allow_end=allow_end,
        intents=intents,
        data_path=data_path,
        ban_openers=ban_openers,
        word_bounds=word_bounds,
        ban_repeats=ban_repeats,
        max_resamples=max_resamples,
        max_restarts=max_restarts,
        blank_turn=blank_turn,
        shard=shard,
        answer_extraction=answer_extraction,
    )
