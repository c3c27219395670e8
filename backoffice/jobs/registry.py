"""Job handlers, registered explicitly by the apps that own them (in `AppConfig.ready()`), and the
words a person reads for a job: what it works on and what it does, in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Handler:
    """`run(job) -> result dict | None` does one attempt. `retry_safe`: the work may be attempted
    again after an unexpected error or a dead worker (it is idempotent or reconciles first).
    `on_failure(job, message)` runs once when the job ends FAILED or DEAD."""

    run: Callable[[Any], dict | None]
    retry_safe: bool = True
    on_failure: Callable[[Any, str], None] | None = None


HANDLERS: dict[tuple[str, str], Handler] = {}
# Human labels (lazy translations): of an operation on a target type, and of a target type.
OPERATION_LABELS: dict[tuple[str, str], Any] = {}
TARGET_LABELS: dict[str, Any] = {}

# What an operation is called when its owner gave it no label.
COMMON_VERBS = {
    "push": _("전송"),
    "pull": _("조회"),
    "refresh": _("새로 읽기"),
    "expire": _("만료"),
    "release": _("해제"),
    "replace": _("교체"),
    "issue": _("발급"),
    "xlsx": _("엑셀 파일 만들기"),
}


def register(
    target_type: str,
    operation: str,
    run: Callable[[Any], dict | None],
    *,
    retry_safe: bool = True,
    on_failure: Callable[[Any, str], None] | None = None,
    label=None,
) -> None:
    """Register the handler for (target_type, operation), with an optional human `label` of the
    operation ("쿠팡에 등록"); registering the same one again is a no-op, a different one for the
    same key is a programming error."""
    handler = Handler(run=run, retry_safe=retry_safe, on_failure=on_failure)
    existing = HANDLERS.get((target_type, operation))
    if existing is not None and existing != handler:
        raise ValueError(f"a different job handler is registered for {target_type}/{operation}")
    HANDLERS[(target_type, operation)] = handler
    if label is not None:
        OPERATION_LABELS[(target_type, operation)] = label


def describe(target_type: str, *, label=None, operations: dict | None = None) -> None:
    """Give a target type (`label`, e.g. "쿠팡 다운로드 쿠폰") and its operations
    (`{"push": "쿠팡에 등록", …}`) the words people read; lazy translations are kept as they are
    and translated when shown."""
    if label is not None:
        TARGET_LABELS[target_type] = label
    for operation, text in (operations or {}).items():
        OPERATION_LABELS[(target_type, operation)] = text


# Codes that jobs' results and errors carry ("UNKNOWN_MEMBER", ESM's 1000 …) and their names.
CODE_NAMES: dict[str, Any] = {}


def describe_codes(names: dict) -> None:
    """Give codes a job may show their names in the user's language (`{"SOLD_OUT": "…"}`)."""
    CODE_NAMES.update({str(code): name for code, name in names.items()})


def code_name(code) -> str:
    """The code's name in the user's language, or "" when nobody described it."""
    name = CODE_NAMES.get(str(code))
    return str(name) if name is not None else ""


def _readable(code: str) -> str:
    return code.replace(".", " ").replace("_", " ").strip()


def operation_label(target_type: str, operation: str) -> str:
    """The operation in the user's language: its owner's label, a common verb, or the code made
    readable."""
    label = OPERATION_LABELS.get((target_type, operation)) or COMMON_VERBS.get(operation)
    return str(label) if label is not None else _readable(operation)


def target_label(target_type: str) -> str:
    """The target type in the user's language (its owner's label, or the code made readable)."""
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else _readable(target_type)


def handler_for(target_type: str, operation: str) -> Handler:
    """The registered handler; raises LookupError when this process has none."""
    try:
        return HANDLERS[(target_type, operation)]
    except KeyError:
        raise LookupError(f"no job handler for {target_type}/{operation}") from None
