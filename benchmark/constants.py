"""Names and numbers users depend on: one source of truth for the whole project."""

from __future__ import annotations

from typing import Literal

# --- the simulator -----------------------------------------------------------------
END_TOKEN = "<|endconversation|>"
"""Plain-text token a simulator writes to leave the conversation (UserLM-8b's added token)."""

USER_ROLE = "user"
"""Inspect model role of the user simulator (`--model-role user=...`)."""

JUDGE_ROLE = "judge"
"""Optional Inspect model role that grades intent coverage and user behaviour."""

DEFAULT_USER_MODEL = "vllm/microsoft/UserLM-8b"
"""Simulator used by `simulator=userlm` when the `user` role is not bound."""

USERLM_TEMPERATURE = 1.0
USERLM_TOP_P = 0.8
"""Sampling from the UserLM-8b model card, used unless the role's own config sets them."""

USER_TURN_MAX_TOKENS = 128
"""Generation budget of one simulated user turn (guardrails cap turns at 25 words)."""

USERLM_STOP_SEQUENCES = ("<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>")
"""Turn boundaries of UserLM's Llama-3 format: generation stops there."""

Simulator = Literal["userlm", "prompted", "scripted"]
SIMULATORS: tuple[Simulator, ...] = ("userlm", "prompted", "scripted")

# --- the conversation loop ---------------------------------------------------------
DEFAULT_MAX_TURNS = 10
"""Most user turns per conversation."""

DEFAULT_MAX_RESAMPLES = 5
"""Fresh drafts a simulator may write after a guardrail rejects one, per turn."""

StopReason = Literal["end_token", "max_turns", "guardrails_exhausted", "error"]
STOP_REASONS: tuple[StopReason, ...] = ("end_token", "max_turns", "guardrails_exhausted", "error")

# --- guardrails (the paper's four) -------------------------------------------------
BANNED_OPENERS = ("I", "You", "Here")
"""First tokens UserLM turns may not start with."""

MIN_TURN_WORDS = 3
MAX_TURN_WORDS = 25

# --- scores (leaderboards and the regression gate read these names) -----------------
TASK_SCORE = "task_score"
