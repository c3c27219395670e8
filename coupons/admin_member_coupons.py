"""Admin for issued member coupons (read-only, revoke with a reason, a member's history) and the
CS compensation page (SPEC §5). Every write is one service call in coupons.issuing / compensation.

The changelist is built for tens of millions of rows: searches are exact matches on indexed
columns, there is no full COUNT (an estimate on PostgreSQL, a bounded count otherwise), and every
column comes from one joined query.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import codes
from .compensation import (
    BACKGROUND_THRESHOLD,
    compensation_issue,
    compensation_outcome_csv,
    compensation_preview,
    parse_member_numbers,
)
from .errors import DomainError
from .issuing import coupon_revoke
from .models import CompensationItem, CompensationRun, MemberCoupon, Promotion

PROMO_NO_RE = re.compile(r"^C\d{7}$", re.IGNORECASE)
PREVIEW_ROWS = 1000


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


class CompensationForm(forms.Form):
    mbr_nos = forms.CharField(
        label=_("회원번호"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 40}),
        help_text=_("한 줄에 하나, 또는 쉼표/공백으로 구분해 붙여넣으세요."),
    )
    csv_file = forms.FileField(
        label=_("CSV 파일"),
        required=False,
        help_text=_("첫 번째 열이 회원번호인 CSV (머리글 행 허용)."),
    )
    promotion = forms.ModelChoiceField(
        label=_("프로모션(CS보상쿠폰)"),
        queryset=Promotion.objects.filter(cpn_issu_main_cd=codes.Issuer.CS)
        .exclude(promo_stat_cd=codes.PromoStatus.ENDED)
        .order_by("-promo_no"),
    )
    cs_cpn_pay_caus_cd = forms.ChoiceField(
        label=_("보상 사유(MK021)"), choices=[("", "---------")] + list(codes.CsReason.choices)
    )
    memo = forms.CharField(label=_("메모"), required=False, max_length=500)
    ord_no = forms.CharField(label=_("주문번호"), required=False, max_length=30)

    def clean(self):
        data = super().clean()
        upload = data.get("csv_file")
        numbers, duplicates = parse_member_numbers(
            data.get("mbr_nos") or "", upload.read() if upload else None
        )
        if not numbers:
            raise forms.ValidationError(_("회원번호를 입력하거나 CSV 파일을 올리세요."))
        data["numbers"], data["duplicates"] = numbers, duplicates
        return data


@admin.register(MemberCoupon)
class MemberCouponAdmin(admin.ModelAdmin):
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
        "revoked_display",
    )
    list_display_links = ("cpn_isu_no",)
    list_select_related = ("promotion", "issued_by", "revoked_by")
    list_filter = ("status", "channel", "cs_cpn_pay_caus_cd")
    search_fields = ("=member__mbr_no",)  # shows the box; get_search_results does the exact lookups
    search_help_text = _(
        "회원번호 또는 프로모션번호(C+7자리), 쿠폰발급번호는 #123 — 모두 정확히 일치"
    )
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-cpn_isu_no",)
    list_per_page = 50
    actions = ["revoke_selected"]
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

    def has_compensation_permission(self, request) -> bool:
        return request.user.has_perm("coupons.issue_compensation")

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
                queryset = queryset.filter(member_id=term)
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
            path(
                "compensation/",
                wrap(self.compensation_view),
                name="coupons_membercoupon_compensation",
            ),
            path(
                "compensation/<int:run_id>/",
                wrap(self.compensation_run_view),
                name="coupons_membercoupon_compensation_run",
            ),
            path(
                "compensation/<int:run_id>/csv/",
                wrap(self.compensation_csv_view),
                name="coupons_membercoupon_compensation_csv",
            ),
        ] + super().get_urls()

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

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

    # -- CS compensation ------------------------------------------------------------------------
    def compensation_view(self, request):
        if not self.has_compensation_permission(request):
            raise PermissionDenied
        form = CompensationForm(request.POST or None, request.FILES or None)
        stage = request.POST.get("stage", "")
        context = {"form": form, "threshold": BACKGROUND_THRESHOLD}
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if stage == "issue":
                try:
                    run = compensation_issue(
                        user=request.user,
                        promotion=data["promotion"],
                        mbr_nos=data["numbers"],
                        reason_cd=data["cs_cpn_pay_caus_cd"],
                        memo=data["memo"],
                        ord_no=data["ord_no"],
                        submission_key=request.POST.get("submission_key", ""),
                    )
                except DomainError as exc:
                    form.add_error(None, f"{exc.message} ({exc.code})")
                else:
                    if getattr(run, "duplicate_submission", False):
                        self.message_user(
                            request,
                            gettext("이미 접수된 요청입니다. 다시 발급하지 않았습니다."),
                            messages.WARNING,
                        )
                    elif run.background:
                        self.message_user(
                            request,
                            gettext("%(n)d명 보상 발급을 백그라운드 작업으로 시작했습니다.")
                            % {"n": run.total},
                            messages.INFO,
                        )
                    else:
                        self.message_user(
                            request,
                            gettext("보상 발급 완료: 발급 %(ok)d명, 실패 %(bad)d명")
                            % {"ok": run.issued, "bad": run.refused},
                            messages.SUCCESS if not run.refused else messages.WARNING,
                        )
                    return HttpResponseRedirect(
                        reverse("admin:coupons_membercoupon_compensation_run", args=[run.pk])
                    )
            else:
                try:
                    checks = compensation_preview(
                        promotion=data["promotion"],
                        mbr_nos=data["numbers"],
                        reason_cd=data["cs_cpn_pay_caus_cd"],
                    )
                except DomainError as exc:
                    form.add_error(None, f"{exc.message} ({exc.code})")
                else:
                    problems = [c for c in checks if not c.ok]
                    by_code: dict[str, int] = {}
                    for c in problems:
                        by_code[c.code] = by_code.get(c.code, 0) + 1
                    shown = checks if len(checks) <= PREVIEW_ROWS else problems[:PREVIEW_ROWS]
                    context.update(
                        preview=True,
                        checks=shown,
                        total=len(checks),
                        ok_count=len(checks) - len(problems),
                        problem_count=len(problems),
                        by_code=sorted(by_code.items()),
                        duplicates=data["duplicates"],
                        numbers_text="\n".join(data["numbers"]),
                        submission_key=uuid.uuid4().hex,
                        promotion=data["promotion"],
                        reason_label=codes.CsReason(data["cs_cpn_pay_caus_cd"]).label,
                        background=len(checks) > BACKGROUND_THRESHOLD,
                        all_shown=len(shown) == len(checks),
                    )
        return TemplateResponse(
            request,
            "admin/coupons/compensation.html",
            self._context(request, gettext("CS 보상쿠폰 발급"), **context),
        )

    def compensation_run_view(self, request, run_id):
        if not self.has_compensation_permission(request):
            raise PermissionDenied
        run = get_object_or_404(
            CompensationRun.objects.select_related("promotion", "created_by"), pk=run_id
        )
        items = list(
            CompensationItem.objects.filter(run=run)
            .select_related("coupon")
            .order_by("line_no")[:PREVIEW_ROWS]
        )
        running = run.status in (CompensationRun.Status.PENDING, CompensationRun.Status.RUNNING)
        return TemplateResponse(
            request,
            "admin/coupons/compensation_run.html",
            self._context(
                request,
                gettext("CS 보상쿠폰 발급 #%(id)d") % {"id": run.pk},
                run=run,
                items=items,
                running=running,
                items_truncated=run.total > len(items),
            ),
        )

    def compensation_csv_view(self, request, run_id):
        if not self.has_compensation_permission(request):
            raise PermissionDenied
        run = get_object_or_404(CompensationRun.objects.select_related("promotion"), pk=run_id)
        response = StreamingHttpResponse(
            compensation_outcome_csv(run), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="compensation-{run.pk}.csv"'
        return response


@admin.register(CompensationRun)
class CompensationRunAdmin(admin.ModelAdmin):
    """The list of compensation submissions; adding one opens the CS compensation page."""

    list_display = (
        "id",
        "promotion",
        "cs_cpn_pay_caus_cd",
        "status",
        "progress",
        "issued",
        "refused",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "cs_cpn_pay_caus_cd")
    list_select_related = ("promotion", "created_by")
    show_full_result_count = False

    def _allowed(self, request) -> bool:
        return request.user.has_perm("coupons.issue_compensation")

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("진행"))
    def progress(self, obj):
        return f"{obj.processed:,}/{obj.total:,} ({obj.percent}%)"

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:coupons_membercoupon_compensation"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(
            reverse("admin:coupons_membercoupon_compensation_run", args=[object_id])
        )
