"""The dry run's expression evaluator: GitHub's semantics for what the workflows use, a failure for the rest."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.expressions import OpenMap, UnknownExpression, condition, evaluate, parse, substitute

CONTEXT = {
    "inputs": {"epochs": 10, "max_drop": ""},
    "steps": {
        "compare": {"outputs": OpenMap({"exit_code": "1"}), "outcome": "success"},
        "later": {"outputs": OpenMap(), "outcome": None},
    },
    "github": {"event_name": "pull_request"},
}
FUNCTIONS = {"success": lambda: True, "always": lambda: True, "failure": lambda: False, "hashFiles": lambda *p: ""}


def value(text: str) -> Any:
    return evaluate(parse(text), CONTEXT, FUNCTIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps.compare.outputs.exit_code != '0'", True),
        ("steps.later.outputs.exit_code != '0'", False),  # null is 0 next to a number-like string
        ("steps.later.outputs.exit_code == ''", True),
        ("github.event_name == 'PULL_REQUEST'", True),  # strings compare without case
        ("inputs.epochs == '10'", True),
        ("inputs.max_drop || 'default'", "default"),
        ("inputs.epochs && 'set'", "set"),
        ("!(steps.compare.outcome != 'skipped')", False),
        ("always() && hashFiles('compare.md') != ''", False),
        ("'it''s'", "it's"),
        ("null", None),
    ],
)
def test_values_follow_github(text: str, expected: Any) -> None:
    assert value(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "steps.nosuch.outputs.x",  # a step the job does not have
        "github.head_ref",  # a property the dry run did not provide
        "vars.SOMETHING",  # a context it did not provide
        "contains(github.event_name, 'pull')",  # a function it does not know
        "inputs.epochs > 3",  # an operator it does not know
        "steps['compare']",
        "always() ||",
    ],
)
def test_anything_unknown_fails(text: str) -> None:
    with pytest.raises(UnknownExpression):
        value(text)


def test_an_unknown_name_fails_even_on_the_branch_not_taken() -> None:
    with pytest.raises(UnknownExpression):
        value("always() || github.head_ref")


def test_conditions_without_a_status_function_need_success() -> None:
    failed = {**FUNCTIONS, "success": lambda: False}
    assert condition(None, CONTEXT, FUNCTIONS) and not condition(None, CONTEXT, failed)
    assert not condition("${{ steps.compare.outputs.exit_code != '0' }}", CONTEXT, failed)
    assert condition("always() && steps.compare.outcome != 'skipped'", CONTEXT, failed)


def test_substitution_keeps_the_type_of_a_whole_expression() -> None:
    assert substitute("${{ inputs.epochs }}", CONTEXT, FUNCTIONS) == 10
    assert (
        substitute("epochs=${{ inputs.epochs }} drop=${{ inputs.max_drop }}.", CONTEXT, FUNCTIONS) == "epochs=10 drop=."
    )
