"""What every marketplace's rules share: how one rule's refusal is written and how many are joined.

A rule is a named function that returns nothing or raises `ValidationError({field: message})`;
`Model.clean()`, the admin forms and the API (through the services) all call the same ones.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError


def refuse(field: str, message) -> None:
    """Raise one rule's refusal as a field error."""
    raise ValidationError({field: message})


def collect(errors: dict[str, list], rule: Callable, *args, **kwargs) -> None:
    """Run `rule` and add its field errors (if any) to `errors`."""
    try:
        rule(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def check_all(*checks: tuple) -> None:
    """Run every `(rule, *args)`; raise one ValidationError with all their field errors."""
    errors: dict[str, list] = {}
    for rule, *args in checks:
        collect(errors, rule, *args)
    if errors:
        raise ValidationError(errors)
