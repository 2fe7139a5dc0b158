"""Model calls that fail say which role, which model and which server failed, and what to do.

A 650-conversation run talks to two models, often on two servers. When one dies or keeps failing, the
sample's error must point at it: Inspect's own message is often just the client library's ("Connection
error."). Errors are wrapped only after Inspect's retries gave up (they happen inside
`Model.generate`); Inspect's control flow (limits, operator termination, timeouts, cancellation) passes
through untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from inspect_ai.model import Model, model_roles
from inspect_ai.util import LimitExceededError
from tenacity import RetryError

from benchmark.inspect_compat import ModelGenerateError, TerminateSampleError, resolve_deferred_vllm_server

INSPECT_CONTROL = (LimitExceededError, TerminateSampleError, TimeoutError)
"""Inspect's control flow (limits, operator termination, timeouts): never caught as a model failure."""


class ModelCallError(RuntimeError):
    """A model call failed after Inspect's retries; the message names the role, model and server."""


def where(model: Model) -> str:
    """`provider/model at URL`, or just the model when it has no server URL."""
    base_url = model.api.base_url
    return f"{model} at {base_url}" if base_url else str(model)


@contextlib.contextmanager
def naming_the_server(role: str, model: Model) -> Iterator[None]:
    """Re-raise a failed call of `model` (bound to `role`) as a ModelCallError that names it."""
    try:
        yield
    except (*INSPECT_CONTROL, ModelCallError):
        raise
    except Exception as err:
        last = _underlying(err)
        reason = str(last).strip() or "no message"
        raise ModelCallError(
            f"{role} model {where(model)} failed: {type(last).__name__}: {reason} "
            "(after Inspect's retries). Check that the server is up and answers, then resume the run with "
            "`inspect eval-retry LOG_FILE`: finished samples are kept. --max-retries and --timeout bound how "
            "long Inspect retries a call; --attempt-timeout bounds one attempt."
        ) from err


def _underlying(err: BaseException) -> BaseException:
    """The provider's own error inside Inspect's wrappers: tenacity's RetryError when retries gave up,
    ModelGenerateError (which prepends the whole request) for an error that is not retried."""
    while True:
        if isinstance(err, RetryError) and err.last_attempt.exception() is not None:
            err = err.last_attempt.exception()  # type: ignore[assignment]
        elif isinstance(err, ModelGenerateError) and err.__cause__ is not None:
            err = err.__cause__
        else:
            return err


def record_role_server(role: str) -> None:
    """Have a lazily connected `vllm/` model bound to `role` take its server address now.

    Inspect's vllm provider connects on the first call, but the eval log's header, from which
    `inspect eval-retry` rebuilds the model roles, is written before it: the role's `base_url` would be
    logged as empty and the retry would try to start its own vLLM server instead of using the one given.
    Only a model with an explicit server address is resolved (no server is started here).
    """
    resolve_deferred_vllm_server(model_roles().get(role))
