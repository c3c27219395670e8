"""The CS compensation page (SPEC §5): a form of member numbers, a preview, a run with its
progress and CSV outcome, and the list of runs. Every write is one call into coupons.compensation.

The pages hang under the member-coupon admin's URLs (`admin:coupons_membercoupon_compensation…`);
`CompensationPagesMixin` gives that admin its views and URLs.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coupons import codes
from coupons.compensation import (
    BACKGROUND_THRESHOLD,
    compensation_issue,
    compensation_item_message,
    compensation_outcome_csv,
    compensation_preview,
    parse_member_numbers,
)
from coupons.errors import DomainError
from coupons.models import CompensationItem, CompensationRun, Promotion

from .base import AdminPagesMixin

PREVIEW_ROWS = 1000


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


class CompensationPagesMixin(AdminPagesMixin):
    """The CS compensation views and their URLs, for the member-coupon admin."""

    def has_compensation_permission(self, request) -> bool:
        return request.user.has_perm("coupons.issue_compensation")

    def compensation_urls(self, wrap) -> list:
        return [
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
        ]

    # -- CS compensation ------------------------------------------------------------------------
    def _deny_compensation(self, request) -> None:
        if not self.has_compensation_permission(request):
            raise PermissionDenied(
                gettext(
                    "CS 보상쿠폰 발급은 CS 상담원만 할 수 있습니다. "
                    "이 계정에는 보상쿠폰 발급 권한이 없습니다."
                )
            )

    def compensation_view(self, request):
        self._deny_compensation(request)
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
        self._deny_compensation(request)
        run = get_object_or_404(
            CompensationRun.objects.select_related("promotion", "created_by"), pk=run_id
        )
        items = list(
            CompensationItem.objects.filter(run=run)
            .select_related("coupon")
            .order_by("line_no")[:PREVIEW_ROWS]
        )
        for item in items:
            item.shown_message = compensation_item_message(item.code, item.message)
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
        self._deny_compensation(request)
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
