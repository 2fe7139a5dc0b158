"""Each Inspect-private name benchmark.inspect_compat relies on still exists in the installed Inspect."""

from __future__ import annotations

import inspect
import io
from types import SimpleNamespace

from inspect_ai import eval
from inspect_ai._display.core import results as results_panel  # what inspect_compat reaches into
from inspect_ai._display.core.display import TaskSuccess
from inspect_ai.model import get_model
from inspect_ai.model._providers import vllm as vllm_provider  # what inspect_compat reaches into
from rich.console import Console

from benchmark import inspect_compat
from benchmark.serving.scripted import scripted_output
from tasks.gsm8k_multiturn import gsm8k_multiturn


def test_every_exported_name_exists():
    for name in inspect_compat.__all__:
        assert callable(getattr(inspect_compat, name)), name


def test_vllm_provider_keeps_a_deferred_address_and_a_registry():
    assert "_init_base_url" in inspect.getsource(vllm_provider.VLLMAPI.__init__)
    assert callable(vllm_provider.VLLMAPI._resolve_server)
    assert isinstance(vllm_provider._vllm_servers, dict)


def test_a_vllm_model_with_an_address_resolves_it_without_starting_a_server():
    model = get_model("vllm/compat-probe", base_url="http://127.0.0.1:9/v1", memoize=False)
    assert model.api.base_url is None  # deferred until the first call
    assert inspect_compat.resolve_deferred_vllm_server(model)
    assert model.api.base_url == "http://127.0.0.1:9/v1"
    assert not inspect_compat.resolve_deferred_vllm_server(get_model("mockllm/model"))


def test_registry_is_restored_after_forgetting_it():
    vllm_provider._vllm_servers["compat-probe-name"] = object()
    try:
        with inspect_compat.vllm_servers_forgotten():
            assert vllm_provider._vllm_servers == {}
        assert "compat-probe-name" in vllm_provider._vllm_servers
    finally:
        vllm_provider._vllm_servers.pop("compat-probe-name", None)


def test_scorer_metrics_reads_a_declared_metric_list():
    from scorers import turn_stats

    assert len(inspect_compat.scorer_metrics(turn_stats())) == 3


def test_role_binding_round_trip():
    from inspect_ai.model import model_roles

    model = get_model("mockllm/model", custom_outputs=[scripted_output("mockllm/model", "hi")])
    inspect_compat.bind_model_role_models({"writer": model})
    assert model_roles()["writer"] is model
    inspect_compat.clear_model_roles()
    assert "writer" not in model_roles()
    inspect_compat.bind_model_roles(["writer=mockllm/model"])
    assert str(model_roles()["writer"]) == "mockllm/model"
    inspect_compat.clear_model_roles()


def test_attempt_timeout_and_wrapped_errors_exist():
    assert inspect_compat.eval_attempt_timeout() is None  # outside an eval
    assert issubclass(inspect_compat.ModelGenerateError, Exception)
    assert issubclass(inspect_compat.TerminateSampleError, BaseException)


def test_the_terminal_summary_of_our_tasks_fits_80_columns_and_the_log_keeps_the_intervals(tmp_path):
    task = gsm8k_multiturn(simulator="scripted")
    (log,) = eval(task, model="scripted/assistant", limit=3, log_dir=str(tmp_path), display="none")
    success = TaskSuccess(samples_completed=3, stats=log.stats, results=log.results)

    def panel(task_name: str) -> str:
        console = Console(width=80, record=True, file=io.StringIO())
        profile = SimpleNamespace(name=task_name, samples=3, eval_config=log.eval.config)
        console.print(results_panel.task_results(profile, success))
        return console.export_text()

    ours = panel("userlm_bench/gsm8k_multiturn")
    assert "…" not in ours and "ci_low" not in ours and "ci_high" not in ours
    assert all(name in ours for name in ("task_score", "intent_coverage", "turn_variance", "lexical_diversity"))
    assert ours.index("task_score") < ours.index("intent_coverage")  # the headline figure first
    assert "ci_low" in panel("someone_elses_task")  # other tasks' panels are Inspect's own
    assert any(name.endswith("_ci_low") for score in log.results.scores for name in score.metrics)  # the log is whole
