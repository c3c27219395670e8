""" "Paste many": a box that takes numbers one per line, or a column or block pasted from Excel.

`PastedNumbersField` is a form field whose cleaned value is the list of numbers, in the order
pasted, each once; anything that is not a whole number is named in the field's error. Whether the
numbers exist is the caller's question: `check_known` names every unknown one in one error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Excel pastes tabs between columns and CR LF between rows; people type commas and spaces.
_SEPARATORS = re.compile(r"[\s,;]+")
_SHOWN = 20  # at most this many bad tokens are named in one message


def _named(tokens: list[str]) -> str:
    shown = ", ".join(tokens[:_SHOWN])
    return shown + (" …" if len(tokens) > _SHOWN else "")


def parse_numbers(text: str, *, max_count: int = 10_000) -> list[int]:
    """The whole numbers in `text` in order, each once (thousands separators are not allowed:
    `1,234` is two numbers). Raises ValidationError naming every token that is not a positive
    whole number, or when there are more than `max_count`."""
    tokens = [t for t in _SEPARATORS.split(text or "") if t]
    bad = [t for t in tokens if not t.isascii() or not t.isdigit() or int(t) == 0]
    if bad:
        raise ValidationError(
            ngettext(
                "숫자가 아닌 값이 %(count)d개 있습니다: %(values)s",
                "숫자가 아닌 값이 %(count)d개 있습니다: %(values)s",
                len(bad),
            )
            % {"count": len(bad), "values": _named(bad)},
            code="not_a_number",
        )
    numbers = list(dict.fromkeys(int(t) for t in tokens))
    if len(numbers) > max_count:
        raise ValidationError(
            _("한 번에 %(max)s개까지 붙여 넣을 수 있습니다 (%(count)s개).")
            % {"max": f"{max_count:,}", "count": f"{len(numbers):,}"},
            code="too_many",
        )
    return numbers


def check_known(numbers: Iterable[int], known: Iterable[int], *, what: str) -> None:
    """Raise ValidationError naming every number of `numbers` not in `known`; `what` names the
    kind of number in the user's language ("상품번호")."""
    known = set(known)
    unknown = [str(n) for n in numbers if n not in known]
    if unknown:
        raise ValidationError(
            ngettext(
                "없는 %(what)s %(count)d개: %(values)s",
                "없는 %(what)s %(count)d개: %(values)s",
                len(unknown),
            )
            % {"what": what, "count": len(unknown), "values": _named(unknown)},
            code="unknown",
        )


class PastedNumbersField(forms.CharField):
    """A textarea whose cleaned value is `parse_numbers` of what was pasted ([] when empty)."""

    def __init__(self, *, max_count: int = 10_000, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "cols": 24}))
        kwargs.setdefault(
            "help_text", _("한 줄에 하나씩, 또는 엑셀에서 열을 복사해 붙여 넣으세요.")
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return parse_numbers(super().to_python(value), max_count=self.max_count)

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
