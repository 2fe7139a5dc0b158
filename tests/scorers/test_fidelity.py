"""The fidelity figures by hand: end F1 over decision points, openings, adherence, perplexity."""

from __future__ import annotations

import math

import pytest
from inspect_ai.scorer import SampleScore, Score

from benchmark.constants import (
    CI_HIGH_SUFFIX,
    CI_LOW_SUFFIX,
    DECISION_POINTS,
    END_F1,
    END_PRECISION,
    END_RECALL,
    FIRST_TURN_DIVERSITY,
    FIRST_TURN_UNIGRAMS,
    HUMAN_FIRST_TURN_DIVERSITY,
    INTENT_ADHERENCE,
    PERPLEXITY_TOKENS,
    ROLE_ADHERENCE,
    SIMULATOR_FAILED,
    UNJUDGED_PROBES,
    USER_PERPLEXITY,
)
from benchmark.fidelity.record import Decision, Draft, ProbeReply, intent_record
from benchmark.text import unigrams
from scorers.diversity import decomposition, first_turn_difference
from scorers.fidelity.ends import (
    COUNTS,
    FALSE_NEGATIVES,
    FALSE_POSITIVES,
    TRUE_NEGATIVES,
    TRUE_POSITIVES,
    end_class_f1,
    end_counts,
)
from scorers.fidelity.openings import human_first_turn_difference
from scorers.fidelity.perplexity import NLL_KEY, TOKENS_KEY, pooled_perplexity
from scorers.fidelity.probes import UNJUDGED_KEY, adherence_figures, unjudged_probe_count

NAN = float("nan")


def sample(conversation: str, value: dict, epoch: int = 1, **metadata) -> SampleScore:
    return SampleScore(score=Score(value=value, metadata={"epoch": epoch, **metadata}), sample_id=conversation)


def decisions(predicted: list[bool | None]) -> list[Decision]:
    """A conversation of len(predicted) assistant turns; the human ended after the last one."""
    return [
        Decision(
            after_assistant_turn=k,
            human_ended=k == len(predicted),
            draft=Draft(error="boom") if p is None else Draft(ended=p, text="" if p else "more please"),
        )
        for k, p in enumerate(predicted, start=1)
    ]


def ends(conversation: str, predicted: list[bool | None], epoch: int = 1) -> SampleScore:
    return sample(conversation, end_counts(decisions(predicted)), epoch)


def interval(result: dict, name: str) -> tuple[float, float]:
    return result[name + CI_LOW_SUFFIX], result[name + CI_HIGH_SUFFIX]


# --- end_prediction ---------------------------------------------------------------------


def test_end_counts_of_one_conversation():
    assert end_counts(decisions([False, True, True])) == {
        TRUE_POSITIVES: 1,
        FALSE_POSITIVES: 1,
        FALSE_NEGATIVES: 0,
        TRUE_NEGATIVES: 1,
    }
    # a call with an error output predicts nothing: not a decision point
    assert end_counts(decisions([None, False])) == {
        TRUE_POSITIVES: 0,
        FALSE_POSITIVES: 0,
        FALSE_NEGATIVES: 1,
        TRUE_NEGATIVES: 0,
    }


def test_end_f1_of_three_conversations_by_hand():
    scores = [
        ends("a", [True]),  # one turn, ended on time: TP
        ends("b", [False, True, True]),  # TN, FP, TP
        ends("c", [False, False]),  # TN, FN: never ended
    ]
    # TP 2, FP 1, FN 1, TN 2
    result = end_class_f1()(scores)
    assert result[END_PRECISION] == pytest.approx(2 / 3)
    assert result[END_RECALL] == pytest.approx(2 / 3)
    assert result[END_F1] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert result[DECISION_POINTS] == 6
    for name in (END_PRECISION, END_RECALL, END_F1):
        low, high = interval(result, name)
        assert 0 <= low <= result[name] <= high <= 1


def test_end_precision_and_recall_differ_by_hand():
    scores = [ends("a", [True, True]), ends("b", [True, True, False]), ends("c", [False, True])]
    # a: FP TP; b: FP FP FN; c: TN TP -> TP 2, FP 3, FN 1
    result = end_class_f1()(scores)
    assert result[END_PRECISION] == pytest.approx(2 / 5)
    assert result[END_RECALL] == pytest.approx(2 / 3)
    assert result[END_F1] == pytest.approx(2 * (2 / 5) * (2 / 3) / (2 / 5 + 2 / 3))


def test_a_simulator_that_never_ends():
    result = end_class_f1()([ends("a", [False]), ends("b", [False, False, False]), ends("c", [False, False])])
    assert math.isnan(result[END_PRECISION])  # it never said "end": precision is undefined, not 0
    assert result[END_RECALL] == 0.0 and result[END_F1] == 0.0
    assert interval(result, END_F1) == (0.0, 0.0)


def test_end_f1_pools_epochs_of_a_conversation_and_skips_left_out():
    left_out = sample("d", dict.fromkeys(COUNTS, NAN), **{SIMULATOR_FAILED: True})
    pooled = end_class_f1()([ends("a", [True]), ends("a", [False], epoch=2), ends("b", [False, True]), left_out])
    # a: TP, FN; b: TN, TP -> TP 2, FN 1, FP 0
    assert pooled[END_PRECISION] == 1.0 and pooled[END_RECALL] == pytest.approx(2 / 3)
    assert pooled[DECISION_POINTS] == 4


def test_end_f1_without_conversations_is_missing():
    result = end_class_f1()([])
    assert all(math.isnan(result[name]) for name in (END_PRECISION, END_RECALL, END_F1))
    assert result[DECISION_POINTS] == 0
    one = end_class_f1()([ends("a", [True])])
    assert one[END_F1] == 1.0 and all(math.isnan(v) for v in interval(one, END_F1))  # one conversation: no CI


# --- openings ----------------------------------------------------------------------------


def openings(texts: dict[str, str], epoch: int = 1) -> list[SampleScore]:
    return [sample(c, {}, epoch, **{FIRST_TURN_UNIGRAMS: sorted(unigrams(t))}) for c, t in texts.items()]


def test_human_first_turn_diversity_is_the_shared_definition_renamed():
    texts = {"a": "fix my code", "b": "fix the bug", "c": "write a poem"}
    human = human_first_turn_difference()(openings(texts))
    assert set(human) == {HUMAN_FIRST_TURN_DIVERSITY + s for s in ("", CI_LOW_SUFFIX, CI_HIGH_SUFFIX)}
    # {fix,my,code} vs {fix,the,bug}: 1 - 1/5; every other pair shares nothing: 1
    assert human[HUMAN_FIRST_TURN_DIVERSITY] == pytest.approx((4 / 5 + 1 + 1) / 3)
    shared = first_turn_difference()(openings(texts))
    assert human[HUMAN_FIRST_TURN_DIVERSITY] == shared[FIRST_TURN_DIVERSITY]


def test_human_first_turns_count_once_whatever_the_epochs():
    texts = {"a": "fix my code", "b": "fix the bug"}
    once = human_first_turn_difference()(openings(texts))
    twice = human_first_turn_difference()(openings(texts) + openings(texts, epoch=2))
    assert twice[HUMAN_FIRST_TURN_DIVERSITY] == once[HUMAN_FIRST_TURN_DIVERSITY] == pytest.approx(4 / 5)


def test_empty_openings_are_identical_and_have_no_decomposition():
    result = first_turn_difference()(openings({"a": "", "b": "", "c": ""}))
    assert result[FIRST_TURN_DIVERSITY] == 0.0
    intent = intent_record("You are a user chatting with an assistant language model to fix a bug.", "a")
    assert math.isnan(decomposition(intent, [""])[0])


def test_intent_decomposition_of_a_first_turn_by_hand():
    intent = intent_record("You are a user chatting with an assistant language model to fix a Python bug.", "a")
    # content words of the turn: fix, python, loop, crash (stop words out); from the intent: fix, python
    assert decomposition(intent, ["please fix my python loop crash"])[0] == pytest.approx(2 / 4)


# --- probe_adherence ---------------------------------------------------------------------


def reply(kind: str, adherent: bool | None) -> ProbeReply:
    return ProbeReply(kind=kind, probe_id=f"{kind}-x", probe="...", draft=Draft(text="no thanks"), adherent=adherent)


def test_adherence_figures_leave_unjudged_probes_out():
    assert adherence_figures([reply("role", True), reply("intent", False)]) == {
        ROLE_ADHERENCE: 1.0,
        INTENT_ADHERENCE: 0.0,
    }
    figures = adherence_figures([reply("role", None), reply("intent", True)])
    assert math.isnan(figures[ROLE_ADHERENCE]) and figures[INTENT_ADHERENCE] == 1.0  # unjudged: not 0, not 1


def test_unjudged_probe_count():
    scores = [sample("a", {}, **{UNJUDGED_KEY: 2}), sample("b", {}, **{UNJUDGED_KEY: 0}), sample("c", {})]
    assert unjudged_probe_count()(scores) == {UNJUDGED_PROBES: 2.0}


# --- perplexity --------------------------------------------------------------------------


def perplexities(values: dict[str, tuple[float, float]]) -> list[SampleScore]:
    return [
        sample(c, {USER_PERPLEXITY: math.exp(n / t) if t else NAN, NLL_KEY: n, TOKENS_KEY: t})
        for c, (n, t) in values.items()
    ]


def test_perplexity_pools_tokens_by_hand():
    result = pooled_perplexity()(perplexities({"a": (2.0, 2.0), "b": (6.0, 3.0), "c": (NAN, NAN)}))
    assert result[USER_PERPLEXITY] == pytest.approx(math.exp(8 / 5))  # not the mean of e^1 and e^2
    assert result[PERPLEXITY_TOKENS] == 5
    low, high = interval(result, USER_PERPLEXITY)
    assert math.exp(1) <= low <= result[USER_PERPLEXITY] <= high <= math.exp(2)


def test_perplexity_missing_everywhere_is_nan_not_zero():
    result = pooled_perplexity()(perplexities({"a": (NAN, NAN), "b": (NAN, NAN)}))
    assert math.isnan(result[USER_PERPLEXITY]) and result[PERPLEXITY_TOKENS] == 0
    assert all(math.isnan(v) for v in interval(result, USER_PERPLEXITY))
