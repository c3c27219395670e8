"""Admin for coupon uses (SPEC §7): a read-only list of every copy used on an order, its line or
delivery group, amounts and who pays them, claw-back and restore; searchable by order and member
number, filtered by promotion type and period, with the CSV / Excel downloads of the list as
filtered (coupons/exports.py). Visible to whoever may view coupon uses (`coupons.view_couponuse`,
as the API's `coupon-uses/`); nobody adds, changes or deletes a use here.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coupons.exports import COUPON_USES, ChangelistExportMixin
from coupons.models import CouponUse, CouponUseLine

from .member_coupons import PROMO_NO_RE, LargeTablePaginator, compact_datetime


def won(amount: int):
    """`3,000원` (`KRW 3,000` in English) on one line, right-aligned in the list."""
    return format_html(
        '<span class="money">{}</span>', gettext("%(amount)s원") % {"amount": f"{amount:,}"}
    )


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UsedPeriodFilter(admin.DateFieldListFilter):
    """The admin's date links plus last month and a from / to form (from included, to excluded,
    as the API's useDtmFrom / useDtmTo); a bare date means its midnight in Asia/Seoul."""

    template = "admin/coupons/couponuse/period_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        first_this = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        first_last = (first_this - dt.timedelta(days=1)).replace(day=1)
        last_month = (
            _("지난달"),
            {self.lookup_kwarg_since: first_last, self.lookup_kwarg_until: first_this},
        )
        self.links = (*self.links[:4], last_month, *self.links[4:])
        for key in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            if key in self.used_parameters:
                # the form sends an empty field for a side left open
                values = [_local_midnight(v) for v in self.used_parameters[key] if v != ""]
                if values:
                    self.used_parameters[key] = values
                else:
                    del self.used_parameters[key]
                    self.date_params.pop(key, None)
        self.since = self.date_params.get(self.lookup_kwarg_since, "")
        self.until = self.date_params.get(self.lookup_kwarg_until, "")

    def choices(self, changelist):
        # the other filters and the search, kept by the from / to form
        self.kept_params = [
            (key, value)
            for key, values in changelist.params.items()
            if not key.startswith(self.field_generic) and key != "p"
            for value in (values if isinstance(values, list) else [values])
        ]
        yield from super().choices(changelist)


def _local_midnight(value):
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            day = parse_date(value)
        except ValueError as exc:  # 2026-13-45: the changelist's "bad filter" answer
            raise IncorrectLookupParameters(exc) from exc
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return value


class CouponUseLineInline(admin.TabularInline):
    model = CouponUseLine
    fields = ("ord_goods_seq", "dc_amt", "our_dc_amt", "entr_dc_amt", "clm_no", "cancelled_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CouponUse)
class CouponUseAdmin(ChangelistExportMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "ord_no",
        "member_link",
        "promotion_display",
        "member_coupon_link",
        "applied_to",
        "dc_amt_display",
        "our_dc_amt_display",
        "entr_dc_amt_display",
        "used_at_display",
        "restored_display",
        "clawback_display",
    )
    list_display_links = ("id",)
    list_select_related = ("promotion",)
    list_filter = ("promo_typ_cd", ("used_at", UsedPeriodFilter))
    search_fields = ("=ord_no",)  # shows the box; get_search_results does the exact lookups
    search_help_text = _("주문번호, 회원번호 또는 프로모션번호(C+7자리) — 모두 정확히 일치")
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-id",)
    list_per_page = 50
    export_shape = COUPON_USES
    inlines = [CouponUseLineInline]
    fields = (
        "id",
        "order",
        "ord_no",
        "member",
        "member_coupon",
        "promotion",
        "promo_typ_cd",
        "ord_goods_seq",
        "deli_no",
        "dc_amt",
        "our_dc_amt",
        "entr_dc_amt",
        "used_at",
        "clawback_amt",
        "restored_at",
        "restore_clm_no",
        "restored_status",
    )
    readonly_fields = fields

    # -- read-only for everyone -------------------------------------------------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # -- columns ----------------------------------------------------------------------------------
    @admin.display(description=_("회원"), ordering="member_id")
    def member_link(self, obj):
        url = reverse("admin:coupons_membercoupon_member_history", args=[obj.member_id])
        return format_html(
            '<a href="{}" title="{}">{}</a>', url, gettext("회원 쿠폰 이력"), obj.member_id
        )

    @admin.display(description=_("프로모션"))
    def promotion_display(self, obj):
        return format_html(
            '<span class="nowrap">{}</span><br><span class="cell-name" title="{}">{}</span>',
            obj.promotion.promo_no,
            obj.promotion.promo_nm,
            obj.promotion.promo_nm,
        )

    @admin.display(description=_("사용일시"), ordering="used_at")
    def used_at_display(self, obj):
        return compact_datetime(obj.used_at)

    @admin.display(description=_("회원쿠폰"), ordering="member_coupon_id")
    def member_coupon_link(self, obj):
        url = reverse("admin:coupons_membercoupon_change", args=[obj.member_coupon_id])
        return format_html('<a href="{}">{}</a>', url, obj.member_coupon_id)

    @admin.display(description=_("적용 위치"))
    def applied_to(self, obj):
        if obj.deli_no:
            return gettext("배송그룹 %s") % obj.deli_no
        if obj.ord_goods_seq:
            return gettext("주문상품 #%s") % obj.ord_goods_seq
        return gettext("주문")

    @admin.display(description=_("할인금액"), ordering="dc_amt")
    def dc_amt_display(self, obj):
        return won(obj.dc_amt)

    @admin.display(description=_("당사부담"))
    def our_dc_amt_display(self, obj):
        return won(obj.our_dc_amt)

    @admin.display(description=_("협력사부담"))
    def entr_dc_amt_display(self, obj):
        return won(obj.entr_dc_amt)

    @admin.display(description=_("복원"))
    def restored_display(self, obj):
        if obj.restored_at is None:
            return "-"
        return format_html(
            "{}<br>{}",
            compact_datetime(obj.restored_at),
            " ".join(x for x in (obj.restore_clm_no, obj.get_restored_status_display()) if x),
        )

    @admin.display(description=_("환수"))
    def clawback_display(self, obj):
        return won(obj.clawback_amt) if obj.clawback_amt else "-"

    # -- exact, indexed search --------------------------------------------------------------------
    def get_search_results(self, request, queryset, search_term):
        for term in search_term.split():
            if PROMO_NO_RE.match(term):
                queryset = queryset.filter(promotion__promo_no=term.upper())
            else:
                # an order number or a member number: both exact, each on its own index
                queryset = queryset.filter(Q(ord_no=term) | Q(member_id=term))
        return queryset, False

    def changelist_view(self, request, extra_context=None):
        # the list gets the page's width at 1280 px; the app menu stays on the other pages
        extra = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [*self.export_urls(wrap)] + super().get_urls()
