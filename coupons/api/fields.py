"""Serializer fields and bounds shared by the mall API and the admin API.

The ranges only keep every value inside what the database columns hold, so bad input is a 400,
never a 500 (PostgreSQL would raise a DataError).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .names import api_name

INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
SMALLINT_MAX = 2**15 - 1
PAGE_IDX_MAX = 1_000_000
DATETIME_MIN = datetime(1971, 1, 1, tzinfo=UTC)
DATETIME_MAX = datetime(9000, 1, 1, tzinfo=UTC)

PROMO_NO_RE = r"^C\d{7}$"
promo_no_validator = RegexValidator(PROMO_NO_RE, "프로모션번호는 C + 숫자 7자리입니다.")
no_comma = RegexValidator(r"^[^,\s]+$", "쉼표나 공백을 포함할 수 없습니다.")


def _choices(choices_cls):
    return [(c.value, c.label) for c in choices_cls]


class BoundedDateTimeField(serializers.DateTimeField):
    """ISO 8601 (an offset is expected; a naive value is taken as Asia/Seoul), years 1971–8999."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not DATETIME_MIN <= parsed < DATETIME_MAX:
            self.fail("overflow")
        return parsed


@extend_schema_field({"type": "string", "enum": ["Y", "N"]})
class YnField(serializers.Field):
    """ "Y" / "N" on output; accepts "Y"/"N" (any case) or a JSON boolean on input."""

    default_error_messages = {"invalid": '"Y", "N", true 또는 false여야 합니다.'}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.upper() in ("Y", "N"):
            return data.upper() == "Y"
        self.fail("invalid")

    def to_representation(self, value):
        return "Y" if value else "N"


class CodeField(serializers.ChoiceField):
    """A code of a code table; the schema shows the codes as an enum of strings."""

    def __init__(self, choices_cls, **kwargs):
        super().__init__(choices=_choices(choices_cls), **kwargs)


def bounded_int(max_value, **kw):
    """An integer field from 0 (unless `min_value` says otherwise) up to a column's maximum."""
    kw.setdefault("min_value", 0)
    return serializers.IntegerField(max_value=max_value, **kw)


# Fields are declared under their service (model) names and exposed under `names.API_NAMES`: the
# source is the declared name unless the field says otherwise, so `validated_data` is keyed by
# service names and the JSON by API names. (A comment, not a docstring: the schema would show a
# docstring as the description of every serializer built on this class.)
class ApiSerializer(serializers.Serializer):
    def get_fields(self):
        fields = {}
        for name, field in super().get_fields().items():
            exposed = api_name(name)
            if field.source is None and exposed != name:
                field.source = name
            fields[exposed] = field
        return fields
