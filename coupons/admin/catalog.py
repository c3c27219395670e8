"""Admin for the member and catalog mirror (loaded by CSV imports and the bulk API).

Each admin is searchable for pickers (`autocomplete_fields` elsewhere) by what an index serves:
a number by prefix on its primary key (PostgreSQL's `varchar_pattern_ops` index Django builds for
a character key), a name by `icontains` only on the small exhibition table and on goods (~40 ms
at 100k goods on the bench database; members have no name). A member's page links to their
coupons and their coupon history."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coupons.models import Exhibition, Goods, Member


def _is_number(term: str) -> bool:
    return term.isascii() and term.isalnum() and any(c.isdigit() for c in term)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("mbr_no", "grade_cd", "birthday", "anniversary", "joined_at", "site_no")
    list_filter = ("grade_cd", "site_no")
    search_fields = ("mbr_no",)  # shows the box; get_search_results is a prefix on the key
    search_help_text = _("회원번호(앞자리부터)로 검색")
    show_full_result_count = False
    readonly_fields = ("coupon_links",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(mbr_no__startswith=term), False

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is None:
            return [f for f in fields if f != "coupon_links"]
        return ["coupon_links", *[f for f in fields if f != "coupon_links"]]

    @admin.display(description=_("쿠폰"))
    def coupon_links(self, obj):
        if obj is None or not obj.pk:
            return "-"
        coupons = reverse("admin:coupons_membercoupon_changelist") + f"?member={obj.pk}"
        history = reverse("admin:coupons_membercoupon_member_history", args=[obj.pk])
        return format_html(
            '<a href="{}" id="member-coupons-link">{}</a> · '
            '<a href="{}" id="member-history-link">{}</a>',
            coupons,
            gettext("이 회원의 쿠폰"),
            history,
            gettext("쿠폰 이력"),
        )


@admin.register(Goods)
class GoodsAdmin(admin.ModelAdmin):
    list_display = (
        "goods_no",
        "goods_nm",
        "sale_price",
        "entr_no",
        "disp_ctg_no",
        "brand_no",
        "site_no",
    )
    search_fields = ("goods_no", "goods_nm")  # the box; get_search_results decides the lookups
    search_help_text = _("상품번호(앞자리부터), 상품명, 협력사번호, 브랜드번호로 검색")
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(goods_no__startswith=term), False
        if _is_number(term):  # E100, B10: a vendor or a brand, exactly (both indexed)
            return queryset.filter(Q(entr_no=term) | Q(brand_no=term) | Q(goods_no=term)), False
        return queryset.filter(goods_nm__icontains=term), False


@admin.register(Exhibition)
class ExhibitionAdmin(admin.ModelAdmin):
    list_display = ("exhibition_no", "exhibition_nm")
    search_fields = ("exhibition_no", "exhibition_nm")
    search_help_text = _("기획전번호(앞자리부터), 기획전명으로 검색")
    autocomplete_fields = ("goods",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # a small table: a prefix of the number or a part of the name
        return queryset.filter(
            Q(exhibition_no__istartswith=term) | Q(exhibition_nm__icontains=term)
        ), False
