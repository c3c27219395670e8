"""Admin for the extensible code tables (MK008 auto-issue types in particular).

Names are stored as the merchandiser typed them (the seeded ones in Korean); the list shows each
in the reader's language when the catalog knows it, so the English admin reads `Birthday` for the
seeded `생일` and a code added later as it was typed."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop

from coupons import codes
from coupons.models import CommonCode

# Seeded names that are not a choices label elsewhere: named here so the catalogs carry them.
SEEDED_NAMES = (
    gettext_noop("회원가입"),
    gettext_noop("생일"),
    gettext_noop("결혼기념일"),
    gettext_noop("등급상향"),
    gettext_noop("첫구매"),
    gettext_noop("주문매체"),
    gettext_noop("쿠폰발급사유"),
    gettext_noop("회원등급"),
    gettext_noop("자동발급유형"),
    gettext_noop("프로모션유형"),
    gettext_noop("쿠폰발급주체"),
    gettext_noop("쿠폰발급방식"),
    gettext_noop("정액정률구분"),
    gettext_noop("자동발급시점"),
    gettext_noop("적용구분"),
    gettext_noop("적용대상유형"),
    gettext_noop("유효기간기준"),
    gettext_noop("상품상세쿠폰조회조건"),
    gettext_noop("쿠폰정렬순서"),
)


@admin.register(CommonCode)
class CommonCodeAdmin(admin.ModelAdmin):
    list_display = ("group_display", "code", "name_display", "sort_order", "in_use")
    list_display_links = ("code",)
    list_filter = ("group", "in_use")
    # the name is edited on its own page: the list shows it in the reader's language
    list_editable = ("sort_order", "in_use")
    search_fields = ("=group", "=code", "name")
    ordering = ("group", "sort_order", "code")

    def action_checkbox(self, obj):
        # Django labels the box with str(obj), the stored (Korean) name: name it as the list does
        label = f"{obj.group} {obj.code} {self.name_display(obj)}"
        attrs = {
            "class": "action-select",
            "aria-label": format_html(gettext("Select this object for an action - {}"), label),
        }
        checkbox = forms.CheckboxInput(attrs, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def get_readonly_fields(self, request, obj=None):
        return ("group", "code") if obj else ()

    @admin.display(description=CommonCode._meta.get_field("group").verbose_name, ordering="group")
    def group_display(self, obj):
        label = codes.CODE_GROUPS.get(obj.group, ("",))[0]
        return f"{obj.group} {gettext(label)}" if label else obj.group

    @admin.display(description=CommonCode._meta.get_field("name").verbose_name, ordering="name")
    def name_display(self, obj):
        return gettext(obj.name) if obj.name else ""
