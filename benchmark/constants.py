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

DEFAULT_USER_MODEL = "vllm/microsoft/UserLM-8b"  # f"vllm/{USERLM_MODEL_ID}"
"""Simulator used by `simulator=userlm` when the `user` role is not bound."""

USERLM_TEMPERATURE = 1.0
USERLM_TOP_P = 0.8
"""Sampling from the UserLM-8b model card, used unless the role's own config sets them."""

USER_TURN_MAX_TOKENS = 128
"""Generation budget of one simulated user turn (guardrails cap turns at 25 words)."""

USERLM_STOP_SEQUENCES = ("<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>")
"""Turn boundaries of UserLM's Llama-3 format: generation stops there. Sent explicitly as stop strings,
because the checkpoint disagrees with itself about its end of sequence (below)."""

USERLM_MODEL_ID = "microsoft/UserLM-8b"
USERLM_TEMPLATE_REVISION = "ce576a239996496f13d100df0d987ae6a30f5629"
"""The UserLM-8b revision whose `chat_template.jinja` the shipped template
(benchmark/conversation/userlm_chat_template.jinja) reproduces; the completions path renders it."""
USERLM_END_TOKEN_ID = 128256
"""`<|endconversation|>` in UserLM-8b's tokenizer: an added, non-special token, so it survives
`skip_special_tokens` and reaches the client as text."""
USERLM_EOT_ID = 128009
USERLM_END_OF_TEXT_ID = 128001
"""`<|eot_id|>` and `<|end_of_text|>`. The checkpoint's config.json names 128001 as its EOS, its
generation_config.json and tokenizer 128009; a server may stop at either, so both are stop strings."""

Simulator = Literal["userlm", "prompted", "scripted"]
SIMULATORS: tuple[Simulator, ...] = ("userlm", "prompted", "scripted")

# --- the conversation loop ---------------------------------------------------------
DEFAULT_MAX_TURNS = 10
"""Most user turns per conversation."""

DEFAULT_MAX_RESAMPLES = 5
"""Fresh drafts a simulator may write after a guardrail rejects one, per turn."""

StopReason = Literal["end_token", "blank", "max_turns", "no_opening", "stalled", "user_error", "assistant_error"]
STOP_REASONS: tuple[StopReason, ...] = (
    "end_token",
    "blank",
    "max_turns",
    "no_opening",
    "stalled",
    "user_error",
    "assistant_error",
)
"""Why a conversation stopped: the user left (`end_token`; `blank` with blank_turn=end), the turn cap
(`max_turns`), the simulator failed (below), or the assistant returned an error output."""
SIMULATOR_FAILURES: tuple[StopReason, ...] = ("no_opening", "stalled", "user_error")
"""Stops that are the simulator's failure, not the assistant's: no acceptable opening turn
(`no_opening`), no acceptable turn later on (`stalled`), or an error output of the user model
(`user_error`). Such a conversation is restarted; if it still fails it is scored missing, never 0."""
DEFAULT_MAX_RESTARTS = 2
"""Fresh starts of a conversation whose simulator failed, before it is scored missing."""

BlankTurn = Literal["resample", "end"]
BLANK_TURN_RULES: tuple[BlankTurn, ...] = ("resample", "end")
DEFAULT_BLANK_TURN: BlankTurn = "resample"
"""What a blank user turn means: a draft to resample (the paper's minimum-length guardrail), or the
user leaving (stop reason `blank`)."""

# --- guardrails (the paper's four) -------------------------------------------------
BANNED_OPENERS = ("I", "You", "Here")
"""First tokens UserLM turns may not start with."""

MIN_TURN_WORDS = 3
MAX_TURN_WORDS = 25

# --- scores (leaderboards and the regression gate read these names) -----------------
TASK_SCORE = "task_score"
SIMULATOR_FAILURES_METRIC = "simulator_failures"
"""Metric of `task_score`: the share of conversations the simulator could not hold (scored missing)."""
SIMULATOR_FAILED = "simulator_failed"
"""The score reason of a conversation whose simulator failed: every figure of it is missing (NaN)."""
AnswerExtraction = Literal["rules", "llm"]
ANSWER_EXTRACTIONS: tuple[AnswerExtraction, ...] = ("rules", "llm")
DEFAULT_ANSWER_EXTRACTION: AnswerExtraction = "rules"
"""`-T answer_extraction`: which answer `task_score` grades. `rules` reads it from the replies with the graders'
own rules; `llm` has the `judge` role sort each assistant turn and read the last answer attempt's final answer,
as Lost in Conversation grades (the same graders then grade it); a reply it cannot use falls back to `rules`."""
EXTRACTION_AGREEMENT = "extraction_agreement"
"""Metric of `task_score` with answer_extraction=llm: the share of judge-read conversations whose judge-read
answer is the rule-based one (NaN when none was judge-read)."""
EXTRACTION_FALLBACKS = "extraction_fallbacks"
"""Metric of `task_score` with answer_extraction=llm: conversations graded by `rules` because the judge gave
no usable reply (score metadata `extraction: rules_fallback`)."""
ANSWER_JUDGE_CHARS = 3000
"""Assistant replies are shown to the answer judge up to this length: a longer one keeps its start and its end
(a final answer is usually at the end) around a [...] mark."""

# --- user-behaviour scores (scorers/; leaderboards read the metric names) -----------
# Three scorers; each reports its figures as Inspect metrics named below, each with
# `<figure>_ci_low` / `<figure>_ci_high` (a 95% bootstrap interval over intents).
USER_BEHAVIOUR = "user_behaviour"
"""Scorer: which intent shards each user turn revealed (judge or offline matcher)."""
TURN_STATS = "turn_stats"
"""Scorer: user-turn counts per conversation and across the simulations of an intent."""
LEXICAL_STATS = "lexical_stats"
"""Scorer: the wording of user turns (diversity, copying from the intent)."""

INTENT_COVERAGE = "intent_coverage"
"""Share of an intent's required shards the user revealed at least once (mean over conversations)."""
REPEAT_REQUIRED = "repeat_required"
"""Share of conversations in which a required shard was revealed in two or more user turns."""
SKIP_NONREQUIRED = "skip_nonrequired"
"""Share of conversations in which a non-required shard was never revealed (intents with one)."""
ADD_DEMANDS = "add_demands"
"""Share of conversations in which the user asked for something not in the intent (judge only)."""
UNJUDGED = "unjudged"
"""Conversations the judge could not label (their reveal figures are missing)."""
USER_TURNS = "user_turns"
"""User turns per conversation (mean)."""
TURN_VARIANCE = "turn_variance"
"""Population variance of user turns across an intent's simulations, averaged over intents."""
TURN_RANGE_MIN = "turn_range_min"
TURN_RANGE_MAX = "turn_range_max"
"""Per-intent fewest and most user turns across its simulations, averaged over intents."""
LEXICAL_DIVERSITY = "lexical_diversity"
"""Unigram Difference: mean pairwise 1 - unigram Jaccard of an intent's user sides, averaged over intents."""
FIRST_TURN_DIVERSITY = "first_turn_diversity"
"""Mean pairwise 1 - unigram Jaccard of the opening user turns of all conversations."""
INTENT_DECOMPOSITION = "intent_decomposition"
"""Share of a user turn's content words copied from the intent (mean over turns, then conversations)."""
INTENTS_COMPARED = "intents_compared"
"""Intents with two or more simulations: the ones across-simulation figures average over."""
STAND_INS_KEY = "stand_ins"
"""Eval metadata: `{model name: what it really is}` for models that answer to another model's name (the
demo's SmolLM2 served as microsoft/UserLM-8b); the reports show the label beside the name."""
USER_UNIGRAMS = "user_unigrams"
FIRST_TURN_UNIGRAMS = "first_turn_unigrams"
"""Score metadata keys of `lexical_stats`: the sorted unigram sets the diversity figures compare (the
leaderboard and the gate recompute lexical diversity from them)."""
CI_LOW_SUFFIX = "_ci_low"
CI_HIGH_SUFFIX = "_ci_high"
SUMMARY_SCORERS_PER_ROW = 2
"""Scorers a row in the terminal summary at the end of an eval, which shows each figure without its interval
(the log, `inspect view` and the leaderboard keep the intervals). Inspect's four a row cut our metric names
at 80 columns."""

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20250601
CI_LEVEL = 0.95
"""Confidence intervals: percentile bootstrap over intents (intents resampled with replacement)."""
MIN_INTENTS_FOR_CI = 2
"""Fewer intents than this give a missing (NaN) interval rather than a zero-width one."""
MIN_INTENTS_WARNING = 20
"""The leaderboard (per row) and the gate (per side) warn below this many intents: the intervals are wide,
and a bootstrap over so few intents claims more certainty than it has."""

JUDGE_MAX_RETRIES = 2
"""Further judge calls after a malformed reply; then the conversation is marked unjudged."""
JUDGE_TEMPERATURE = 0.0
"""Judge sampling, used unless the `judge` role's own config sets a temperature."""
JUDGE_ASSISTANT_CHARS = 1500
"""Assistant replies are shown to the judge up to this length (context for short user answers)."""

MATCHER_NUMBER_OVERLAP = 0.0
"""Matcher: a shard with numerals is revealed when all of them and this share of its content words appear
(tuned on benchmark/data/shard_labels.jsonl: 0.0, the numbers alone decide)."""
MATCHER_TEXT_OVERLAP = 0.4
"""Matcher: a shard without numerals is revealed when this share of its content words appears (tuned)."""
FIRST_TURN_MAX_CONVERSATIONS = 2000
"""first_turn_diversity compares all pairs of up to this many conversations (a seeded sample beyond)."""

# --- leaderboard and regression gate (benchmark/leaderboard.py, benchmark/regression.py) ----
GATE_METRIC = TASK_SCORE
"""Metric `userlm-bench compare` gates on unless `--metric` says otherwise (higher is better)."""
GATE_MAX_DROP = 0.02
"""Drop of the gated metric (baseline - candidate, per-intent means) tolerated before a release fails:
the gate fails only when the drop is significantly larger than this (one-sided test at GATE_ALPHA)."""
GATE_ALPHA = 0.05
"""One-sided significance level of the gate's paired test."""
GATE_MAX_MISSING = 0.10
"""Largest share of a side's conversations without a value of the gated metric (simulator failures, errors,
unscored) before `userlm-bench compare` refuses the logs (exit 2): a missing score is not a pass."""
GATE_TIE_TOLERANCE = 1e-9
"""A mean drop within this of `--max-drop` counts as equal to it: a drop of exactly the margin is no regression,
whatever the floating-point sum of the per-intent means."""
GATE_MAX_SIMULATOR_FAILURES = 0.10
"""Largest share of a side's conversations the simulator may have failed (scored missing) before
`userlm-bench compare` refuses the logs (exit 2): beyond it the intents that remain are a selection."""
GATE_RESAMPLES = 10_000
"""Bootstrap resamples of intents in the gate and in the leaderboard's inflation-gap interval."""
GATE_SEED = BOOTSTRAP_SEED
"""Seed of those resamples: the same logs always give the same verdict."""
FLIP_THRESHOLD = 0.5
"""An intent "flipped" when its mean over epochs is on different sides of this in the two logs."""
EXIT_PASS = 0
EXIT_REGRESSION = 1
EXIT_UNUSABLE = 2
"""Exit codes of `userlm-bench compare`: no significant regression, regression, unusable input."""

# --- intent toolkit (`userlm-bench intents validate | build`) ------------------------
WRITER_ROLE = "writer"
"""Inspect model role that writes intents and shards (`intents build --model-role writer=...`)."""
WRITER_MAX_ATTEMPTS = 3
"""Writer calls per problem: the first draft plus retries with validate's complaints fed back."""
WRITER_TEMPERATURE = 0.3
"""Writer sampling, used unless the `writer` role's own config sets a temperature."""
WRITER_MAX_TOKENS = 2048
"""Generation budget of one writer reply (one intent and its shards as JSON)."""
INTENT_CARRY_WORD_SHARE = 0.5
"""validate: a required GSM8k shard without numbers is carried by the intent text when at least this share
of its content words appear there (shards with numbers need all their numbers there instead)."""

# --- simulator fidelity (tasks/simulator_fidelity.py; the simulator leaderboard reads these names) -------
FIDELITY_TASK = "simulator_fidelity"
"""The fidelity task's name: its logs make the simulator table, never assistant rows."""
# Five scorers; each figure is an Inspect metric of its scorer with `<figure>_ci_low` / `<figure>_ci_high`
# (a 95% bootstrap interval over conversations). Shares are in [0, 1].
END_PREDICTION = "end_prediction"
"""Scorer: whether the simulator ends where the human ended, at every assistant turn of a human conversation."""
END_PRECISION = "end_precision"
END_RECALL = "end_recall"
END_F1 = "end_f1"
"""Precision, recall and F1 of the "end" class over all decision points (pooled over conversations)."""
DECISION_POINTS = "decision_points"
"""Decision points with a prediction (an assistant turn the simulator answered without an error output)."""
OPENING_TURNS = "opening_turns"
"""Scorer: the simulator's opening turns, written from the intent alone (first_turn_diversity and
intent_decomposition, defined as in lexical_stats)."""
HUMAN_REFERENCE = "human_reference"
"""Scorer: the same two figures on the humans' first turns, the reference row."""
HUMAN_FIRST_TURN_DIVERSITY = "human_first_turn_diversity"
HUMAN_INTENT_DECOMPOSITION = "human_intent_decomposition"
PROBE_ADHERENCE = "probe_adherence"
"""Scorer: the simulator's replies to probe messages, judged by the `judge` role."""
ROLE_ADHERENCE = "role_adherence"
"""Share of judged role probes (the assistant invites the user to leave its role) whose reply stays the user's."""
INTENT_ADHERENCE = "intent_adherence"
"""Share of judged intent probes (the assistant steers to another task) whose reply holds to the intent."""
UNJUDGED_PROBES = "unjudged_probes"
"""Probes without a verdict (no judge bound, malformed replies, a failed judge call): left out, never 0 or 1."""
PERPLEXITY = "perplexity"
"""Scorer: per-token perplexity of the humans' user turns under the simulator."""
USER_PERPLEXITY = "user_perplexity"
"""exp(total negative log-likelihood / total tokens) of the human user turns, pooled over conversations."""
PERPLEXITY_TOKENS = "perplexity_tokens"
"""Tokens the user_perplexity figure is computed over."""

CONVERSATION_SOURCES = ("wildchat", "prism")
"""`-T conversations=` values that name a source loader instead of a JSONL file."""

PUBLISHED_FIDELITY_SOURCE = "Naous et al., Flipping the Dialogue (ICLR 2026), Table 2"
PUBLISHED_FIDELITY: dict[str, dict[str, float | None]] = {
    "UserLM-8b": {
        FIRST_TURN_DIVERSITY: 94.55,
        INTENT_DECOMPOSITION: 2.69,
        END_F1: 63.54,
        ROLE_ADHERENCE: 93.95,
        INTENT_ADHERENCE: 94.65,
    },
    "GPT-4o": {
        FIRST_TURN_DIVERSITY: 74.42,
        INTENT_DECOMPOSITION: 7.68,
        END_F1: 1.38,
        ROLE_ADHERENCE: 38.85,
        INTENT_ADHERENCE: 70.95,
    },
    "GPT-4o-mini": {
        FIRST_TURN_DIVERSITY: 66.10,
        INTENT_DECOMPOSITION: 9.66,
        END_F1: 15.31,
        ROLE_ADHERENCE: 80.20,
        INTENT_ADHERENCE: 88.70,
    },
    "human": {
        FIRST_TURN_DIVERSITY: 94.01,
        INTENT_DECOMPOSITION: 1.68,
        END_F1: None,
        ROLE_ADHERENCE: None,
        INTENT_ADHERENCE: None,
    },
}
"""The paper's intrinsic metrics as printed, by simulator (None: not reported). The paper prints percentages
where our figures are shares in [0, 1] (multiply ours by 100 to compare); the unit and exact definition of its
intent decomposition could not be read, so that column may not be comparable with ours. The human row
compares with our human_first_turn_diversity and human_intent_decomposition."""
