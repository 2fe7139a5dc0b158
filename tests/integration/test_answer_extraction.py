"""answer_extraction=llm with a real local model as the judge: the SmolLM2 assistant server also reads the
assistant's answers, through the same vllm/ provider and structured-output request a real judge gets.

A 135M model often writes unusable replies; whatever it writes, every score must say how its answer was
extracted, a judge-read score must carry one category per assistant turn, and a fallback must be graded by
rules. Nothing here depends on what the model writes."""

from __future__ import annotations

import math

from inspect_ai import eval
from inspect_ai.model import GenerateConfig, get_model

from benchmark.constants import EXTRACTION_FALLBACKS, JUDGE_MAX_RETRIES, JUDGE_ROLE, SIMULATOR_FAILED, TASK_SCORE
from benchmark.judging.answers import TURN_CATEGORIES
from benchmark.serving.demo import ASSISTANT_NAME, model_args
from tasks.gsm8k_multiturn import gsm8k_multiturn
from tests.integration.test_vllm_userlm import ASSISTANT_CONFIG

JUDGE_CONFIG = GenerateConfig(max_tokens=256, temperature=0.0)
"""Room for one JSON entry per assistant turn (the eval's own max_tokens is the assistant's budget)."""


def test_gsm8k_graded_with_a_local_judge_records_every_extraction(servers, tmp_path):
    assistant, user = servers
    args = model_args(assistant, user, "prompted")  # no guardrails: the conversations are held, and graded
    judge = get_model(f"vllm/{ASSISTANT_NAME}", base_url=assistant.base_url, config=JUDGE_CONFIG, memoize=False)
    (log,) = eval(
        gsm8k_multiturn,  # created inside the eval, with the judge bound, as `inspect eval` does
        task_args={"simulator": "prompted", "max_turns": 2, "answer_extraction": "llm"},
        model=args["model"],
        model_roles={**args["model_roles"], JUDGE_ROLE: judge},
        limit=2,
        log_dir=str(tmp_path),
        display="none",
        **ASSISTANT_CONFIG.model_dump(exclude_none=True),
    )
    assert log.status == "success", log.error
    assert log.eval.metadata["settings"]["answer_extraction"] == "llm"
    scored = fallbacks = 0
    for sample in log.samples:
        score = sample.scores[TASK_SCORE]
        meta = score.metadata
        if meta.get(SIMULATOR_FAILED):
            assert math.isnan(score.value) and "extraction" not in meta
            continue
        scored += 1
        assert score.value in (0, 1) and meta["judge_model"] == f"vllm/{ASSISTANT_NAME}"
        assert 1 <= meta["judge_attempts"] <= JUDGE_MAX_RETRIES + 1
        assert len(meta["judge_errors"]) == meta["judge_attempts"] - (meta["extraction"] == "llm")
        if meta["extraction"] == "llm":
            replies = [m for m in sample.messages if m.role == "assistant"]
            assert len(meta["turn_categories"]) == len(replies)
            assert set(meta["turn_categories"]) <= set(TURN_CATEGORIES)
            assert isinstance(meta["extractions_agree"], bool)
        else:
            assert meta["extraction"] == "rules_fallback" and meta["extractions_agree"] is None
            assert score.answer == meta["rules_answer"]
            fallbacks += 1
        requests = [e for e in sample.events if e.event == "model" and e.role == JUDGE_ROLE]
        assert any(e.config.response_schema is not None for e in requests)  # structured output was asked for
    assert scored, "every conversation failed its simulator: nothing was graded"
    metrics = {key: m.value for s in log.results.scores if s.name == TASK_SCORE for key, m in s.metrics.items()}
    assert metrics[EXTRACTION_FALLBACKS] == fallbacks
