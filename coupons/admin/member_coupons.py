"""Admin for issued member coupons (SPEC §5): read-only, revoke with a reason, a member's history;
the CS compensation pages hang under its URLs (admin/compensation.py). Every write is one
service call in coupons.issuing / compensation.

The changelist is built for tens of millions of rows: searches are exact matches on indexed
columns, there is no full COUNT (an estimate on PostgreSQL, a bounded count otherwise), and every
column comes from one joined query.
"""

from __future__ import annotations

import datetime as dt
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
from coupons.models import CouponUse, Member, MemberCoupon

from .compensation import CompensationPagesMixin

PROMO_NO_RE = re.compile(r"^C\d{7}$", re.IGNORECASE)
SEOUL = timezone.get_default_timezone()  # Asia/Seoul (settings.TIME_ZONE)
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PREFIX_MIN = 3  # characters before the `*` of a prefix search
PREFIX_USES_MAX = 500  # coupon uses read for one order-number term


def prefix_range(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, as a range the field's plain B-tree index serves
    (`prefix` <= value < `prefix` with its last character bumped), with LIKE as the guard.

    A LIKE 'p%' alone needs a text_pattern_ops index on PostgreSQL unless the database's
    collation is C; the range needs none. Under the project's collation (C.UTF-8: code-point
    order) the range holds exactly the values with the prefix, and the LIKE keeps the answer
    right under any other collation."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper, f"{field}__startswith": prefix})


def parse_prefix(term: str) -> str | None:
    """The prefix of a search term written `12345*`, or None for an exact term."""
    if term.endswith("*") and len(term) > 1:
        return term[:-1]
    return None


class IssuedDateFilter(admin.ListFilter):
    """Issue date from / to (both included), as Asia/Seoul days: `issued_from=2026-12-01` means
    from 2026-12-01 00:00 KST, `issued_to=2026-12-02` up to 2026-12-03 00:00 KST excluded. Served
    by mcpn_issued_at_idx (issued_at, cpn_isu_no); the list is then ordered by issue time.

    A date that is not a day, or a range that ends before it starts, shows the list empty with a
    message that names the value, the form keeping what was typed."""

    title = _("발급일")
    template = "admin/coupons/membercoupon/issued_date_filter.html"
    parameter_from = "issued_from"
    parameter_to = "issued_to"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in (self.parameter_from, self.parameter_to):
            if name in params:
                value = params.pop(name)
                value = (value[-1] if isinstance(value, list) else value).strip()
                if value:
                    self.values[name] = value
                    self.used_parameters[name] = value
        self.errors: list[str] = []
        self.days: dict[str, dt.date] = {}
        bad_day = {
            self.parameter_from: _(
                "발급일 시작일 '%(value)s'은(는) 날짜가 아닙니다. YYYY-MM-DD 형식으로 입력하세요."
            ),
            self.parameter_to: _(
                "발급일 종료일 '%(value)s'은(는) 날짜가 아닙니다. YYYY-MM-DD 형식으로 입력하세요."
            ),
        }
        for name, value in self.values.items():
            day = _parse_day(value)
            if day is None:
                self.errors.append(str(bad_day[name]) % {"value": value})
            else:
                self.days[name] = day
        since, until = self.days.get(self.parameter_from), self.days.get(self.parameter_to)
        if since and until and since > until:
            self.errors.append(
                gettext("발급일 종료일(%(to)s)이 시작일(%(from)s)보다 앞섭니다.")
                % {"from": since.isoformat(), "to": until.isoformat()}
            )
        for error in self.errors:
            # an export job replays the request without a session: nothing to show it on
            messages.error(request, error, fail_silently=True)

    @property
    def active(self) -> bool:
        return bool(self.values)

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_from, self.parameter_to]

    def queryset(self, request, queryset):
        if self.errors:
            return queryset.none()
        if self.parameter_from in self.days:
            queryset = queryset.filter(
                issued_at__gte=_seoul_midnight(self.days[self.parameter_from])
            )
        if self.parameter_to in self.days:
            end = self.days[self.parameter_to] + dt.timedelta(days=1)
            queryset = queryset.filter(issued_at__lt=_seoul_midnight(end))
        return queryset

    def choices(self, changelist):
        # the other filters and the search, kept by the from / to form
        self.kept_params = [
            (key, value)
            for key, values in changelist.params.items()
            if key not in self.expected_parameters() and key not in ("p", "e")
            for value in (values if isinstance(values, list) else [values])
        ]
        today = timezone.localdate(timezone=SEOUL)
        shortcuts = [
            (_("오늘"), today, today),
            (_("최근 7일"), today - dt.timedelta(days=6), today),
            (_("최근 30일"), today - dt.timedelta(days=29), today),
        ]
        yield {
            "selected": not self.values,
            "query_string": changelist.get_query_string(remove=self.expected_parameters()),
            "display": _("전체"),
        }
        for label, since, until in shortcuts:
            yield {
                "selected": self.values
                == {self.parameter_from: since.isoformat(), self.parameter_to: until.isoformat()},
                "query_string": changelist.get_query_string(
                    {self.parameter_from: since.isoformat(), self.parameter_to: until.isoformat()}
                ),
                "display": label,
            }


def _parse_day(value: str) -> dt.date | None:
    if not DAY_RE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # 2026-02-30
        return None


def _seoul_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), SEOUL)


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


STATUS_BADGES = {
    "ISSUED": "badge-ok",
    "USED": "badge-used",
    "REVOKED": "badge-warn",
    "EXPIRED": "badge-off",
}


def compact_datetime(value):
    """`26-12-02 14:05` in Asia/Seoul on one line, the full time (seconds, offset) in its title."""
    if value is None:
        return "-"
    local = timezone.localtime(value, SEOUL)
    return format_html(
        '<time class="nowrap" datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S"),
        local.strftime("%y-%m-%d %H:%M"),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("회수 사유"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("회원 이력에 남습니다."),
    )


@admin.register(MemberCoupon)
class MemberCouponAdmin(ChangelistExportMixin, CompensationPagesMixin, admin.ModelAdmin):
    # Eight columns that fit at 1280 px beside the filters: codes with their names in one cell,
    # statuses as badges, compact dates (the full time in the title), two short lines where two
    # facts belong together (issued / valid until, used / revoked).
    list_display = (
        "cpn_isu_no",
        "member_link",
        "promotion_display",
        "status_badge",
        "channel_display",
        "issued_at_display",
        "issued_by_display",
        "outcome_display",
    )
    # Only orders an index serves (pk, mcpn_box_idx, mcpn_issued_at_idx): a click on another
    # header would sort tens of millions of rows.
    sortable_by = ("cpn_isu_no", "member_link", "issued_at_display")
    list_display_links = ("cpn_isu_no",)
    list_select_related = ("promotion", "issued_by", "revoked_by")
    list_filter = (IssuedDateFilter, "status", "channel", "cs_cpn_pay_caus_cd")
    search_fields = ("=member__mbr_no",)  # shows the box; get_search_results does the lookups
    search_help_text = _(
        "회원번호, 사용 주문번호 또는 프로모션번호(C+7자리)는 정확히 일치, 쿠폰발급번호는 #123, "
        "회원번호·주문번호 앞부분은 1012* 처럼 * 를 붙여 검색"
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

    @admin.display(description=_("프로모션"))
    def promotion_display(self, obj):
        promotion = obj.promotion
        return format_html(
            '<span class="nowrap">{}</span><br><span class="cell-name" title="{}">{}</span>',
            promotion.promo_no,
            promotion.promo_nm,
            promotion.promo_nm,
        )

    @admin.display(description=_("상태"))
    def status_badge(self, obj):
        return format_html(
            '<span class="badge {}">{}</span>',
            STATUS_BADGES.get(obj.status, ""),
            obj.get_status_display(),
        )

    @admin.display(description=_("발급경로 · 사유"))
    def channel_display(self, obj):
        if not obj.cs_cpn_pay_caus_cd:
            return format_html('<span class="nowrap">{}</span>', obj.get_channel_display())
        reason = obj.get_cs_cpn_pay_caus_cd_display()
        return format_html(
            '<span class="nowrap">{}</span><br><span class="cell-name" title="{}">{}</span>',
            obj.get_channel_display(),
            reason,
            reason,
        )

    @admin.display(description=_("발급일시 · 유효기간"), ordering="issued_at")
    def issued_at_display(self, obj):
        until = timezone.localtime(obj.valid_until, SEOUL)
        return format_html(
            '{}<br><span class="nowrap quiet" title="{}">~{}</span>',
            compact_datetime(obj.issued_at),
            until.strftime("%Y-%m-%d %H:%M:%S"),
            until.strftime("%y-%m-%d"),
        )

    @admin.display(description=_("발급자"))
    def issued_by_display(self, obj):
        return obj.issued_by.get_username() if obj.issued_by_id else obj.system_user_no

    @admin.display(description=_("사용 · 회수"))
    def outcome_display(self, obj):
        # from the row's own columns: the changelist adds no query per row
        if obj.revoked_at is not None:
            return format_html(
                '<span class="nowrap" title="{}">{} {}</span><br>{}',
                obj.revoke_reason,
                gettext("회수"),
                obj.revoked_by.get_username() if obj.revoked_by_id else "-",
                compact_datetime(obj.revoked_at),
            )
        if obj.used_at is not None:
            return format_html(
                '<span class="nowrap">{} {}</span><br>{}',
                gettext("사용"),
                obj.use_ord_no,
                compact_datetime(obj.used_at),
            )
        return "-"

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

    # -- exact and prefix search, every term on an index ---------------------------------------
    def get_search_results(self, request, queryset, search_term):
        for term in search_term.split():
            prefix = parse_prefix(term)
            if PROMO_NO_RE.match(term):
                queryset = queryset.filter(promotion__promo_no=term.upper())
            elif term.startswith("#") and term[1:].isdigit():
                queryset = queryset.filter(pk=int(term[1:]))
            elif prefix is not None:
                if len(prefix) < PREFIX_MIN:
                    messages.warning(
                        request,
                        gettext("앞부분 검색은 %(n)d자 이상 입력하세요: %(term)s")
                        % {"n": PREFIX_MIN, "term": term},
                        fail_silently=True,
                    )
                    return queryset.none(), False
                # a member number (mcpn_box_idx) or the order number a coupon was used on
                # (cpnuse_ord_no_idx) that starts with the prefix
                used = list(
                    CouponUse.objects.filter(prefix_range("ord_no", prefix))
                    .order_by("ord_no")
                    .values_list("member_coupon_id", flat=True)[:PREFIX_USES_MAX]
                )
                queryset = queryset.filter(prefix_range("member__mbr_no", prefix) | Q(pk__in=used))
            else:
                # a member number or an order number the coupon was used on: both exact, both
                # indexed (the use ids are read first so the OR is two index scans, not a scan)
                used = list(
                    CouponUse.objects.filter(ord_no=term).values_list(
                        "member_coupon_id", flat=True
                    )[:PREFIX_USES_MAX]
                )
                queryset = queryset.filter(Q(member_id=term) | Q(pk__in=used))
        return queryset, False

    def get_ordering(self, request):
        # A date range is read on mcpn_issued_at_idx (issued_at, cpn_isu_no) backwards: the
        # first page comes straight off the index instead of a sort of the whole range.
        if any(
            request.GET.get(p)
            for p in (IssuedDateFilter.parameter_from, IssuedDateFilter.parameter_to)
        ):
            return ("-issued_at", "-cpn_isu_no")
        return super().get_ordering(request)

    # -- who the list is about --------------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        # the list gets the page's width at 1280 px (as the marketplace lists): the app menu
        # stays on the other pages and on the desk
        extra = {
            "is_nav_sidebar_enabled": False,
            "list_member": self._searched_member(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    @staticmethod
    def _searched_member(request) -> Member | None:
        """The member when the search is one exact member number (the list is their coupons)."""
        terms = (request.GET.get("q") or "").split()
        if len(terms) != 1 or parse_prefix(terms[0]) is not None:
            return None
        return Member.objects.filter(pk=terms[0]).first()

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
                member=Member.objects.filter(pk=mbr_no).first(),
                is_nav_sidebar_enabled=False,
                events=events,
                truncated=len(coupons) == 500,
            ),
        )
