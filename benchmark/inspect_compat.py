"""Every Inspect-private name this project uses, in one place.

Inspect AI is pinned (see pyproject.toml). Each name below has no public alias in that version; an
Inspect upgrade that renames or removes one fails here, at import or in `tests/test_inspect_compat.py`,
instead of far from its cause (for example `eval-retry` quietly starting its own vLLM server).
Nothing else in the project imports from an `inspect_ai._*` module or touches a private attribute of
an Inspect object.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from inspect_ai._cli.util import parse_model_role_cli_args
from inspect_ai._display.core import results as _results_panel
from inspect_ai._util.error import PrerequisiteError
from inspect_ai._util.exception import TerminateSampleError
from inspect_ai.model import Model
from inspect_ai.model._generate_config import active_generate_config
from inspect_ai.model._model import ModelGenerateError, init_model_roles
from inspect_ai.model._providers import vllm as _vllm_provider
from inspect_ai.model._util import resolve_model_roles
from inspect_ai.scorer import Metric, Scorer
from inspect_ai.scorer._scorer import scorer_metrics as _scorer_metrics

__all__ = [
    "ModelGenerateError",
    "PrerequisiteError",
    "TerminateSampleError",
    "bind_model_role_models",
    "bind_model_roles",
    "clear_model_roles",
    "compact_results_panel",
    "eval_attempt_timeout",
    "model_for_role",
    "resolve_deferred_vllm_server",
    "scorer_metrics",
    "vllm_servers_forgotten",
]


def eval_attempt_timeout() -> int | None:
    """The running eval's `--attempt-timeout`.

    Inspect hands role models its max_connections, max_retries, timeout and cache, but not
    attempt_timeout, so without it a hung simulator server would hang its samples forever.
    """
    return active_generate_config().attempt_timeout


def resolve_deferred_vllm_server(model: Model | None) -> bool:
    """Have a `vllm/` model with an explicit base_url connect now instead of on its first call.

    Inspect's vllm provider keeps the address it was given in `_init_base_url` and resolves it lazily;
    until then `api.base_url` is None. Returns whether it resolved one. A model of another provider, or
    a vllm model without an address (which would start its own server), is left alone.
    """
    api = getattr(model, "api", None)
    if isinstance(api, _vllm_provider.VLLMAPI) and api.base_url is None and api._init_base_url:
        api._resolve_server()
        return True
    return False


@contextlib.contextmanager
def vllm_servers_forgotten() -> Iterator[None]:
    """Within the block, Inspect's process-wide registry of vLLM servers (one address per model name) is
    empty, as in a fresh process; the servers it held are known again afterwards."""
    saved = dict(_vllm_provider._vllm_servers)
    _vllm_provider._vllm_servers.clear()
    try:
        yield
    finally:
        _vllm_provider._vllm_servers.clear()
        _vllm_provider._vllm_servers.update(saved)


def bind_model_roles(specs: list[str]) -> None:
    """Bind `--model-role` values the way `inspect eval` does (NAME=MODEL, or NAME={model: ..., ...})."""
    roles = resolve_model_roles(parse_model_role_cli_args(tuple(specs)))
    init_model_roles(roles or {})


def bind_model_role_models(roles: dict[str, Model]) -> None:
    """Bind already built models to roles in this context (what `bind_model_roles` does for specs)."""
    init_model_roles(dict(roles))


def clear_model_roles() -> None:
    """Unbind every model role in this context."""
    init_model_roles({})


def scorer_metrics(scorer: Scorer) -> list[Metric | dict[str, list[Metric]]] | dict[str, list[Metric]]:
    """The metrics a scorer declares in its `@scorer(metrics=...)`."""
    metrics: Any = _scorer_metrics(scorer)
    return metrics


def model_for_role(role: str, spec: str) -> Model:
    """The model `--model-role ROLE=SPEC` would bind (SPEC a model name or a `{model: ..., ...}` mapping)."""
    roles = resolve_model_roles(parse_model_role_cli_args((f"{role}={spec}",))) or {}
    return roles[role]


_COMPACT_PANELS: dict[str, tuple[Callable[[str], bool], int]] = {}
"""Task name -> (which metrics to hide, scorers a row) for the tasks whose panel is compacted."""


def compact_results_panel(task: str, hide_metric: Callable[[str], bool], scorers_per_row: int) -> None:
    """In Inspect's end-of-eval panel, show `task`'s scorers `scorers_per_row` to a row, without the
    metrics `hide_metric` names (a scorer left with none is not shown); other tasks' panels and every
    log are unchanged.

    Inspect lays out four scorers a row, each metric a line, so at 80 columns long metric names are cut.
    Its panel has no public hook: this wraps `task_results`, the function all three displays (rich,
    textual, plain) call for a finished task, once per process. Cosmetic only: where Inspect has no such
    function the panel stays as it is.
    """
    wrapped = bool(_COMPACT_PANELS)
    _COMPACT_PANELS[task] = (hide_metric, scorers_per_row)
    original = getattr(_results_panel, "task_results", None)
    if wrapped or original is None or not hasattr(_results_panel, "SCORES_PER_ROW"):
        return

    def task_results(profile: Any, success: Any) -> Any:
        compact = _COMPACT_PANELS.get(profile.name.rsplit("/", 1)[-1])
        if compact is None or not success.results.scores:
            return original(profile, success)
        hide, per_row = compact
        kept = ({k: m for k, m in score.metrics.items() if not hide(k)} for score in success.results.scores)
        scores = [
            score.model_copy(update={"metrics": metrics})
            for score, metrics in zip(success.results.scores, kept, strict=True)
            if metrics
        ]
        shown = dataclasses.replace(success, results=success.results.model_copy(update={"scores": scores}))
        saved, _results_panel.SCORES_PER_ROW = _results_panel.SCORES_PER_ROW, per_row
        try:
            return original(profile, shown)
        finally:
            _results_panel.SCORES_PER_ROW = saved

    _results_panel.task_results = task_results
