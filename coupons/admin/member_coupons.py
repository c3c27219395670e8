"""Admin for issued member coupons (SPEC §5): read-only, revoke with a reason, a member's history;
the CS compensation pages hang under its URLs (admin/compensation.py). Every write is one
service call in coupons.issuing / compensation.

The changelist is built for tens of millions of rows: searches are exact matches on indexed
columns, there is no full COUNT (an estimate on PostgreSQL, a bounded count otherwise), and every
column comes from one joined query.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coupons.errors import DomainError
from coupons.exports import MEMBER_COUPONS, ChangelistExportMixin
from coupons.issuing import coupon_revoke
from coupons.models import CouponUse, MemberCoupon

from .compensation import CompensationPagesMixin

PROMO_NO_RE = re.compile(r"^C\d{7}$", re.IGNORECASE)


class LargeTablePaginator(Paginator):
    """A paginator that never counts a whole big table: the planner's estimate on PostgreSQL when
    unfiltered, otherwise a count bounded by `cap` rows (SELECT COUNT(*) FROM (… LIMIT cap))."""

    cap = 100_000
    exact_below = 100_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        conn = connections[qs.db]
        if conn.vendor == "postgresql" and not qs.query.where:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= self.exact_below:
                return int(row[0])
        return qs.order_by()[: self.cap].count()


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("회수 사유"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("회원 이력에 남습니다."),
    )


@admin.register(MemberCoupon)
class MemberCouponAdmin(ChangelistExportMixin, CompensationPagesMixin, admin.ModelAdmin):
    list_display = (
        "cpn_isu_no",
        "member_link",
        "promo_no",
        "promo_nm",
        "status",
        "channel",
        "cs_cpn_pay_caus_cd",
        "issued_at",
        "valid_until",
        "issued_by_display",
        "use_display",
        "revoked_display",
    )
    list_display_links = ("cpn_isu_no",)
    list_select_related = ("promotion", "issued_by", "revoked_by")
    list_filter = ("status", "channel", "cs_cpn_pay_caus_cd")
    search_fields = ("=member__mbr_no",)  # shows the box; get_search_results does the exact lookups
    search_help_text = _(
        "회원번호, 사용 주문번호 또는 프로모션번호(C+7자리), 쿠폰발급번호는 #123 — 모두 정확히 일치"
    )
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-cpn_isu_no",)
    list_per_page = 50
    actions = ["revoke_selected"]
    export_shape = MEMBER_COUPONS  # the CSV / Excel downloads of the list as filtered
    fields = (
        "cpn_isu_no",
        "member",
        "promotion",
        "seq",
        "status",
        "channel",
        "cs_cpn_pay_caus_cd",
        "issued_at",
        "valid_from",
        "valid_until",
        "system_user_no",
        "issued_by",
        "auto_issu_odr",
        "memo",
        "ord_no",
        "revoked_by",
        "revoked_at",
        "revoke_reason",
        "used_at",
        "use_ord_no",
        "use_history",
    )
    readonly_fields = fields

    # -- read-only ------------------------------------------------------------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("coupons.revoke_membercoupon")

    # -- columns --------------------------------------------------------------------------------
    @admin.display(description=_("회원"), ordering="member_id")
    def member_link(self, obj):
        url = reverse("admin:coupons_membercoupon_member_history", args=[obj.member_id])
        return format_html(
            '<a href="{}" title="{}">{}</a>', url, gettext("회원 쿠폰 이력"), obj.member_id
        )

    @admin.display(description=_("프로모션번호"))
    def promo_no(self, obj):
        return obj.promotion.promo_no

    @admin.display(description=_("프로모션명"))
    def promo_nm(self, obj):
        return obj.promotion.promo_nm

    @admin.display(description=_("발급자"))
    def issued_by_display(self, obj):
        return obj.issued_by.get_username() if obj.issued_by_id else obj.system_user_no

    @admin.display(description=_("사용"))
    def use_display(self, obj):
        # from the row's own columns: the changelist adds no query per row
        if obj.used_at is None:
            return "-"
        return format_html(
            "{} · {}", obj.use_ord_no, timezone.localtime(obj.used_at).strftime("%Y-%m-%d %H:%M")
        )

    @admin.display(description=_("사용/복원 이력"))
    def use_history(self, obj):
        uses = list(
            CouponUse.objects.filter(member_coupon_id=obj.pk)
            .prefetch_related("lines")
            .order_by("-id")[:50]
        )
        if not uses:
            return "-"
        fmt = "%Y-%m-%d %H:%M"

        def when(at):
            return timezone.localtime(at).strftime(fmt) if at else "-"

        def line_text(use):
            return ", ".join(
                f"#{line.ord_goods_seq} {line.dc_amt:,}"
                + (f" ({gettext('취소')} {line.clm_no})" if line.clm_no else "")
                for line in use.lines.all()
            )

        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    use.ord_no,
                    when(use.used_at),
                    use.deli_no
                    or (f"#{use.ord_goods_seq}" if use.ord_goods_seq else gettext("주문")),
                    f"{use.dc_amt:,}",
                    f"{use.our_dc_amt:,} / {use.entr_dc_amt:,}",
                    line_text(use),
                    f"{use.clawback_amt:,}" if use.clawback_amt else "-",
                    when(use.restored_at),
                    " ".join(
                        x for x in (use.restore_clm_no, use.get_restored_status_display()) if x
                    )
                    or "-",
                )
                for use in uses
            ),
        )
        return format_html(
            '<table class="use-history"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("주문번호"),
            _("사용일시"),
            _("적용 위치"),
            _("할인금액"),
            _("당사/협력사 부담"),
            _("주문상품별"),
            _("환수"),
            _("복원일시"),
            _("복원 클레임 · 상태"),
            rows,
        )

    @admin.display(description=_("회수"))
    def revoked_display(self, obj):
        if obj.revoked_at is None:
            return "-"
        return format_html(
            "{} · {} · {}",
            obj.revoked_by.get_username() if obj.revoked_by_id else "-",
            timezone.localtime(obj.revoked_at).strftime("%Y-%m-%d %H:%M"),
            obj.revoke_reason,
        )

    # -- exact, indexed search ------------------------------------------------------------------
    def get_search_results(self, request, queryset, search_term):
        for term in search_term.split():
            if PROMO_NO_RE.match(term):
                queryset = queryset.filter(promotion__promo_no=term.upper())
            elif term.startswith("#") and term[1:].isdigit():
                queryset = queryset.filter(pk=int(term[1:]))
            else:
                # a member number or an order number the coupon was used on: both exact, both
                # indexed (the use ids are read first so the OR is two index scans, not a scan)
                used = list(
                    CouponUse.objects.filter(ord_no=term).values_list(
                        "member_coupon_id", flat=True
                    )[:500]
                )
                queryset = queryset.filter(Q(member_id=term) | Q(pk__in=used))
        return queryset, False

    # -- revoke ---------------------------------------------------------------------------------
    @admin.action(description=_("선택한 쿠폰 회수(사유 입력)"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:500])
        return HttpResponseRedirect(
            reverse("admin:coupons_membercoupon_revoke") + "?" + urlencode({"ids": ids})
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("revoke/", wrap(self.revoke_view), name="coupons_membercoupon_revoke"),
            path(
                "member/<str:mbr_no>/history/",
                wrap(self.history_view_for_member),
                name="coupons_membercoupon_member_history",
            ),
            *self.compensation_urls(wrap),
            *self.export_urls(wrap),
        ] + super().get_urls()

    def revoke_view(self, request):
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        raw_ids = request.POST.get("ids") or request.GET.get("ids") or ""
        ids = [int(x) for x in raw_ids.split(",") if x.strip().isdigit()][:500]
        coupons = list(
            MemberCoupon.objects.filter(pk__in=ids).select_related("promotion").order_by("-pk")
        )
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and coupons:
            done = 0
            for coupon in coupons:
                try:
                    coupon_revoke(
                        user=request.user, coupon=coupon, reason=form.cleaned_data["reason"]
                    )
                except DomainError as exc:
                    self.message_user(
                        request, f"{coupon.pk}: {exc.message} ({exc.code})", messages.ERROR
                    )
                    continue
                done += 1
                # The admin's own history of the coupon keeps who and why as well.
                self.log_change(
                    request,
                    coupon,
                    gettext("회수: %(reason)s") % {"reason": form.cleaned_data["reason"]},
                )
            if done:
                self.message_user(
                    request, gettext("%(n)d장을 회수했습니다.") % {"n": done}, messages.SUCCESS
                )
            return HttpResponseRedirect(reverse("admin:coupons_membercoupon_changelist"))
        return TemplateResponse(
            request,
            "admin/coupons/membercoupon/revoke.html",
            self._context(
                request,
                gettext("회원쿠폰 회수"),
                form=form,
                coupons=coupons,
                ids=",".join(str(c.pk) for c in coupons),
            ),
        )

    # -- a member's history ---------------------------------------------------------------------
    def history_view_for_member(self, request, mbr_no):
        if not self.has_view_permission(request):
            raise PermissionDenied
        coupons = list(
            MemberCoupon.objects.filter(member_id=mbr_no)
            .select_related("promotion", "issued_by", "revoked_by")
            .order_by("-cpn_isu_no")[:500]
        )
        events = []
        for c in coupons:
            events.append(
                {
                    "at": c.issued_at,
                    "kind": gettext("발급"),
                    "css": "issue",
                    "coupon": c,
                    "who": c.issued_by.get_username() if c.issued_by_id else c.system_user_no,
                    "why": " · ".join(
                        x
                        for x in (
                            c.get_cs_cpn_pay_caus_cd_display() if c.cs_cpn_pay_caus_cd else "",
                            c.memo,
                            c.ord_no and gettext("주문 %s") % c.ord_no,
                            c.auto_issu_odr and gettext("차수 %s") % c.auto_issu_odr,
                        )
                        if x
                    ),
                }
            )
            if c.revoked_at:
                events.append(
                    {
                        "at": c.revoked_at,
                        "kind": gettext("회수"),
                        "css": "revoke",
                        "coupon": c,
                        "who": c.revoked_by.get_username() if c.revoked_by_id else "-",
                        "why": c.revoke_reason,
                    }
                )
        events.sort(key=lambda e: (e["at"], e["css"] == "revoke"), reverse=True)
        return TemplateResponse(
            request,
            "admin/coupons/membercoupon/member_history.html",
            self._context(
                request,
                gettext("회원 %(mbr)s 쿠폰 이력") % {"mbr": mbr_no},
                mbr_no=mbr_no,
                events=events,
                truncated=len(coupons) == 500,
            ),
        )
