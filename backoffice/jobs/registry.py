"""Job handlers, registered explicitly by the apps that own them (in `AppConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Handler:
    """`run(job) -> result dict | None` does one attempt. `retry_safe`: the work may be attempted
    again after an unexpected error or a dead worker (it is idempotent or reconciles first).
    `on_failure(job, message)` runs once when the job ends FAILED or DEAD."""

    run: Callable[[Any], dict | None]
    retry_safe: bool = True
    on_failure: Callable[[Any, str], None] | None = None


HANDLERS: dict[tuple[str, str], Handler] = {}


def register(
    target_type: str,
    operation: str,
    run: Callable[[Any], dict | None],
    *,
    retry_safe: bool = True,
    on_failure: Callable[[Any, str], None] | None = None,
) -> None:
    """Register the handler for (target_type, operation); registering the same one again is a
    no-op, a different one for the same key is a programming error."""
    handler = Handler(run=run, retry_safe=retry_safe, on_failure=on_failure)
    existing = HANDLERS.get((target_type, operation))
    if existing is not None and existing != handler:
        raise ValueError(f"a different job handler is registered for {target_type}/{operation}")
    HANDLERS[(target_type, operation)] = handler


def handler_for(target_type: str, operation: str) -> Handler:
    """The registered handler; raises LookupError when this process has none."""
    try:
        return HANDLERS[(target_type, operation)]
    except KeyError:
        raise LookupError(f"no job handler for {target_type}/{operation}") from None
