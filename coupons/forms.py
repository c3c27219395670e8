"""Admin forms: input shape only; the rules are `coupons.rules`, reached through the service."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from backoffice.paste import PastedNumbersField, check_known

from . import codes, rules, services
from .models import CommonCode, Promotion, PromotionTarget


class CodeChoiceField(forms.ChoiceField):
    """A choice of the MK008 code table whose value is judged by the rule (in use or not), not by
    the list of choices, so the admin says what the REST API says."""

    def valid_value(self, value):
        return True


# Target numbers are the mirror's keys: digits for goods and categories, letters too for vendors,
# brands and exhibitions (E100, B10, EX001).
_TARGET_TOKEN = re.compile(r"^[0-9A-Za-z_-]{1,20}$")
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")
# what a pasted number is called in the unknown-numbers error, by target type
TARGET_NUMBER_NAMES = {
    codes.TargetType.SITE: _("사이트번호"),
    codes.TargetType.GOODS: _("상품번호"),
    codes.TargetType.DISPLAY_CATEGORY: _("전시카테고리번호"),
    codes.TargetType.VENDOR: _("협력사번호"),
    codes.TargetType.BRAND: _("브랜드번호"),
    codes.TargetType.EXHIBITION: _("기획전번호"),
}


class PastedTargetNumbersField(PastedNumbersField):
    """`PastedNumbersField` for target numbers: one a line or an Excel column, each once in the
    order pasted, as text (vendor, brand and exhibition numbers carry letters: E100, EX001); a
    token that cannot be a target number is named in the error."""

    def to_python(self, value):
        text = forms.CharField.to_python(self, value)
        tokens = [t for t in _TOKEN_SEPARATORS.split(text or "") if t]
        bad = [t for t in tokens if not t.isascii() or not _TARGET_TOKEN.match(t)]
        if bad:
            shown = ", ".join(bad[:20]) + (" …" if len(bad) > 20 else "")
            raise ValidationError(
                ngettext(
                    "대상번호가 될 수 없는 값이 %(count)d개 있습니다: %(values)s",
                    "대상번호가 될 수 없는 값이 %(count)d개 있습니다: %(values)s",
                    len(bad),
                )
                % {"count": len(bad), "values": shown},
                code="not_a_number",
            )
        numbers = list(dict.fromkeys(tokens))
        if len(numbers) > self.max_count:
            raise ValidationError(
                gettext("한 번에 %(max)s개까지 붙여 넣을 수 있습니다 (%(count)s개).")
                % {"max": f"{self.max_count:,}", "count": f"{len(numbers):,}"},
                code="too_many",
            )
        return numbers


class TargetPickerWidget(forms.Select):
    """The target row's number as a searchable picker (select2 on `target_autocomplete`, by the
    row's target type), showing number and name; a number typed in full is taken as it is."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "class": "target-picker",
                "data-url": reverse_lazy("admin:coupons_promotion_target_autocomplete"),
                "data-placeholder": _("번호 또는 이름으로 검색"),
                **(attrs or {}),
            }
        )

    def show(self, value, label) -> None:
        """The one option the picker starts with: the row's current number and its label."""
        self.choices = [("", "---------")] + ([(value, label)] if value else [])


class PromotionTargetForm(forms.ModelForm):
    class Meta:
        model = PromotionTarget
        fields = ("aply_gb_cd", "aply_typ_cd", "tgt_no")
        widgets = {"tgt_no": TargetPickerWidget}


class PromotionForm(forms.ModelForm):
    paste_aply_gb_cd = forms.ChoiceField(
        label=_("적용구분"),
        choices=codes.ApplyKind.choices,
        initial=codes.ApplyKind.APPLY,
        required=False,
    )
    paste_aply_typ_cd = forms.ChoiceField(
        label=_("적용대상유형"),
        choices=[("", "---------"), *codes.TargetType.choices],
        required=False,
    )
    paste_tgt_nos = PastedTargetNumbersField(
        label=_("대상번호 붙여넣기"),
        required=False,
        help_text=_(
            "한 줄에 하나씩, 또는 엑셀에서 열을 복사해 붙여 넣으세요. 모르는 번호가 하나라도 "
            "있으면 아무것도 저장하지 않고 그 번호를 모두 알려 드립니다."
        ),
    )
    auto_issu_typ_cd = CodeChoiceField(label=_("자동발급유형(MK008)"), required=False)
    site_nos = forms.CharField(
        label=_("사이트"),
        required=False,
        help_text=_("사이트번호를 쉼표로 구분해 입력, 비우면 전체 사이트"),
    )

    class Meta:
        model = Promotion
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets choose the fields shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = CommonCode.objects.filter(group="MK008").order_by("sort_order", "code")
        choices = [("", "---------")]
        for entry in types:
            label = f"{entry.code} {entry.name}" + ("" if entry.in_use else f" ({_('미사용')})")
            choices.append((entry.code, label))
        if "auto_issu_typ_cd" in self.fields:
            self.fields["auto_issu_typ_cd"].choices = choices
        if "site_nos" in self.fields and self.instance.pk:
            self.initial["site_nos"] = ",".join(self.instance.site_nos)

    def clean_site_nos(self):
        # Shape only: the text becomes a list; which numbers are valid is rules.site_numbers.
        raw = self.cleaned_data.get("site_nos") or ""
        return [part.strip() for part in raw.replace(" ", ",").split(",") if part.strip()]

    def clean(self):
        cleaned = super().clean()
        pasted = cleaned.get("paste_tgt_nos") or []
        typ = cleaned.get("paste_aply_typ_cd")
        self.instance._pasted_targets = []
        if pasted and not typ:
            self.add_error("paste_aply_typ_cd", _("붙여 넣은 번호의 적용대상유형을 고르세요."))
        elif pasted:
            from coupons.admin.targets import known_numbers  # the admin imports this module

            try:
                check_known(pasted, known_numbers(typ, pasted), what=TARGET_NUMBER_NAMES[typ])
            except ValidationError as exc:
                self.add_error("paste_tgt_nos", exc)
            else:
                gb = cleaned.get("paste_aply_gb_cd") or codes.ApplyKind.APPLY
                self.instance._pasted_targets = [
                    {"aply_gb_cd": gb, "aply_typ_cd": typ, "tgt_no": no} for no in pasted
                ]
        return cleaned

    def clean_dc_cpn_cd(self):
        return rules.normalize_dc_cpn_cd(self.cleaned_data.get("dc_cpn_cd"))

    def validate_unique(self):
        # A code held by another promotion is rules.discount_code_unique's to say (in _post_clean,
        # as the service says it to the API), not Django's generic "already exists".
        exclude = set(self._get_validation_exclusions()) | {"dc_cpn_cd"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)

    def _post_clean(self):
        super()._post_clean()  # model.clean(): the one-row rules
        for field, messages in services.promotion_check_context(self.instance).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class PromotionTargetFormSet(forms.BaseInlineFormSet):
    """The target rows, each number a picker showing its name; with the numbers pasted on the
    promotion form (`PromotionForm.clean` leaves them on the instance) they make the target list
    the service saves (`targets`)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        widget = form.fields["tgt_no"].widget if "tgt_no" in form.fields else None
        if isinstance(widget, TargetPickerWidget):
            typ, no = form["aply_typ_cd"].value(), form["tgt_no"].value()
            if no:
                from coupons.admin.targets import target_label

                widget.show(no, target_label(typ, no, self._target_names()))
            else:
                widget.show("", "")
        return form

    def _target_names(self):
        names = getattr(self, "_names", None)
        if names is None:
            from coupons.admin.targets import target_names

            if self.is_bound:
                pairs = [
                    (
                        self.data.get(f"{self.prefix}-{i}-aply_typ_cd", ""),
                        self.data.get(f"{self.prefix}-{i}-tgt_no", ""),
                    )
                    for i in range(self.total_form_count())
                ]
            else:
                pairs = self.get_queryset().values_list("aply_typ_cd", "tgt_no")
            names = self._names = target_names((t, n) for t, n in pairs if t and n)
        return names

    def validate_unique(self):
        # The one unique check of a target (type, number) is rules.targets_distinct, below.
        pass

    def clean(self):
        super().clean()
        targets = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("aply_typ_cd")
            and form.cleaned_data.get("tgt_no")
        ]
        # A pasted number already a row the same way is that row; the same number pasted the
        # other way (apply vs exclude) is the rule's duplicate.
        rows = {(t["aply_gb_cd"], t["aply_typ_cd"], str(t["tgt_no"])) for t in targets}
        self.pasted = [
            t
            for t in getattr(self.instance, "_pasted_targets", None) or []
            if (t["aply_gb_cd"], t["aply_typ_cd"], t["tgt_no"]) not in rows
        ]
        # The service's rule and message (rules.targets_distinct), on the formset as a whole.
        messages = [
            message for _field, message in services.promotion_target_errors(targets + self.pasted)
        ]
        if messages:
            raise ValidationError(messages)
