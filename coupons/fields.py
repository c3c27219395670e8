"""A list of short codes stored as one comma-joined column.

Codes are fixed-width (two or four characters) so a `contains` lookup on ",20," style text is exact
on every database; `CodeListField.contains_q(field, code)` builds that lookup.
"""

from django.core import exceptions
from django.db import models
from django.db.models import Q


class CodeListField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 200:
            del kwargs["max_length"]
        kwargs.pop("blank", None)
        if kwargs.get("default") is list:
            del kwargs["default"]
        return name, path, args, kwargs

    @staticmethod
    def _to_list(value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [part for part in value.strip(",").split(",") if part]
        return [str(v) for v in value]

    def from_db_value(self, value, expression, connection):
        return self._to_list(value)

    def to_python(self, value):
        return self._to_list(value)

    def get_prep_value(self, value):
        codes = self._to_list(value)
        return "," + ",".join(sorted(dict.fromkeys(codes))) + "," if codes else ""

    def value_to_string(self, obj):
        return ",".join(self.value_from_object(obj))

    def validate(self, value, model_instance):
        codes = self._to_list(value)
        if self.choices:
            allowed = {str(k) for k, _ in self.flatchoices}
            bad = [c for c in codes if c not in allowed]
            if bad:
                raise exceptions.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": ",".join(bad)},
                )
        if not self.blank and not codes:
            raise exceptions.ValidationError(self.error_messages["blank"], code="blank")

    def formfield(self, **kwargs):
        from django import forms

        if self.choices:
            defaults = {
                "form_class": forms.TypedMultipleChoiceField,
                "choices": self.choices,
                "required": not self.blank,
                "widget": forms.CheckboxSelectMultiple,
                "label": self.verbose_name,
                "help_text": self.help_text,
            }
            defaults.update(kwargs)
            return forms.TypedMultipleChoiceField(
                **{k: v for k, v in defaults.items() if k != "form_class"}
            )
        return super().formfield(**kwargs)


def code_in(field: str, code: str) -> Q:
    """Q for "the code list `field` contains `code`"."""
    return Q(**{f"{field}__contains": f",{code},"})
