"""Admin forms: input shape only; the rules are `coupons.rules`, reached through the service."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import rules, services
from .models import CommonCode, Promotion


class CodeChoiceField(forms.ChoiceField):
    """A choice of the MK008 code table whose value is judged by the rule (in use or not), not by
    the list of choices, so the admin says what the REST API says."""

    def valid_value(self, value):
        return True


class PromotionForm(forms.ModelForm):
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
        # The service's rule and message (rules.targets_distinct), on the formset as a whole.
        messages = [message for _field, message in services.promotion_target_errors(targets)]
        if messages:
            raise ValidationError(messages)
