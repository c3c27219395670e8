"""Admin forms: input shape only; the rules come from the model and the service layer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CommonCode, Promotion
from .services import promotion_check_context


class PromotionForm(forms.ModelForm):
    auto_issu_typ_cd = forms.ChoiceField(label=_("자동발급유형(MK008)"), required=False)
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
        raw = self.cleaned_data.get("site_nos") or ""
        sites = [part.strip() for part in raw.replace(" ", ",").split(",") if part.strip()]
        for site in sites:
            if not site.isdigit() or len(site) > 10:
                raise forms.ValidationError(
                    _("사이트번호는 숫자여야 합니다: %(site)s") % {"site": site}
                )
        return sites

    def clean_dc_cpn_cd(self):
        value = (self.cleaned_data.get("dc_cpn_cd") or "").strip().upper()
        return value or None

    def _post_clean(self):
        super()._post_clean()  # model.clean(): the one-row rules
        for field, messages in promotion_check_context(self.instance).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class PromotionTargetFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            key = (form.cleaned_data.get("aply_typ_cd"), form.cleaned_data.get("tgt_no"))
            if None in key:
                continue
            if key in seen:
                form.add_error("tgt_no", _("같은 적용대상이 이미 있습니다."))
            seen.add(key)
