"""The merchandiser's promotion admin: the form with its targets inline, list, search, the
approve / suspend / end / copy actions, each one service call, and the pending revision of an
approved promotion (old → new per field, approve / reject) with the promotion's audit history."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coupons import codes, services
from coupons.errors import DomainError
from coupons.forms import PromotionForm, PromotionTargetFormSet
from coupons.models import FROZEN_FIELDS, Promotion, PromotionRevision, PromotionTarget

from .reports import can_view_report, promotion_figures


def _display(field, value) -> str:
    """A promotion field's value as the change page shows it (code labels, local time, 예/아니오)."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return gettext("예") if value else gettext("아니오")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    labels = dict(field.flatchoices) if field.choices else {}
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value))


def _targets_display(targets) -> str:
    if not targets:
        return "-"
    return ", ".join(
        f"{codes.ApplyKind(t['aply_gb_cd']).label} {codes.TargetType(t['aply_typ_cd']).label} "
        f"{t['tgt_no']}"
        for t in targets
    )


def revision_rows(revision: PromotionRevision) -> list[tuple[str, str, str]]:
    """(label, old, new) per changed field of a revision, for the change page."""
    rows = []
    for name, old, new in services.promotion_revision_diff(revision):
        if name == "targets":
            rows.append((gettext("적용/제외 대상"), _targets_display(old), _targets_display(new)))
            continue
        field = Promotion._meta.get_field(name)
        rows.append((str(field.verbose_name), _display(field, old), _display(field, new)))
    return rows


class PromotionTargetInline(admin.TabularInline):
    model = PromotionTarget
    formset = PromotionTargetFormSet
    extra = 0
    fields = ("aply_gb_cd", "aply_typ_cd", "tgt_no")
    verbose_name = _("적용/제외 대상")
    verbose_name_plural = _("적용/제외 대상 (사이트·상품·전시카테고리·협력사·브랜드·기획전)")

    def _frozen(self, obj):
        return obj is not None and services.promotion_has_issued(obj)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class PeriodFilter(admin.SimpleListFilter):
    title = _("기간")
    parameter_name = "period"

    def lookups(self, request, model_admin):
        return [("current", _("진행중")), ("upcoming", _("예정")), ("past", _("지난"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "current":
            return queryset.filter(promo_str_dtm__lte=now, promo_end_dtm__gt=now)
        if self.value() == "upcoming":
            return queryset.filter(promo_str_dtm__gt=now)
        if self.value() == "past":
            return queryset.filter(promo_end_dtm__lte=now)
        return queryset


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionForm
    inlines = [PromotionTargetInline]
    list_display = (
        "promo_no",
        "promo_nm",
        "promo_typ_cd",
        "cpn_issu_way_cd",
        "promo_stat_cd",
        "period",
        "issued_of_limit",
        "budget_of_used",
    )
    list_filter = (
        "promo_stat_cd",
        "promo_typ_cd",
        "cpn_issu_main_cd",
        "cpn_issu_way_cd",
        PeriodFilter,
    )
    search_fields = ("=promo_no", "promo_nm", "=dc_cpn_cd")
    search_help_text = _("프로모션번호, 프로모션명, 할인쿠폰코드로 검색")
    list_select_related = ("approved_by",)
    ordering = ("-promo_no",)
    actions = ["approve", "suspend", "end", "copy_as_new"]
    save_on_top = True
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "promo_no",
                    "promo_nm",
                    "promo_stat_cd",
                    "promo_typ_cd",
                    "cpn_issu_main_cd",
                    "cpn_issu_way_cd",
                    "promo_str_dtm",
                    "promo_end_dtm",
                )
            },
        ),
        (
            _("할인"),
            {
                "fields": (
                    "fix_amt_fxrt_gb_cd",
                    "dc_rate_amt",
                    "min_buy_amt",
                    "min_buy_qty",
                    "max_dc_amt",
                    "our_chrg_rate",
                    "entr_chrg_rate",
                    "cost_split_preview",
                )
            },
        ),
        (
            _("대상 조건"),
            {
                "fields": (
                    "ord_media_cds",
                    "grade_cds",
                    "upr_grade_aply_yn",
                    "site_nos",
                    "all_goods_yn",
                )
            },
        ),
        (
            _("발급 한도"),
            {"fields": ("issu_lmt_qty", "issued_count", "mbr_issu_lmt_qty", "dc_cpn_cd")},
        ),
        (
            _("예산"),
            {"fields": ("budget_amt", "budget_usage")},
        ),
        (
            _("유효기간"),
            {
                "fields": (
                    "vali_basis_cd",
                    "vali_strt_dtm",
                    "vali_end_dtm",
                    "vali_days",
                    "weekdays",
                    "time_from",
                    "time_to",
                )
            },
        ),
        (
            _("자동발급"),
            {
                "fields": (
                    "auto_issu_typ_cd",
                    "auto_issu_potm_cd",
                    "anvy_pre_isu_dds",
                    "auto_issu_qty",
                )
            },
        ),
        (
            _("이력"),
            {
                "classes": ("collapse",),
                "fields": (
                    "created_by",
                    "created_at",
                    "updated_by",
                    "updated_at",
                    "approved_by",
                    "approved_at",
                    "copied_from",
                ),
            },
        ),
    )
    base_readonly = (
        "promo_no",
        "promo_stat_cd",
        "issued_count",
        "budget_usage",
        "cost_split_preview",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "approved_by",
        "approved_at",
        "copied_from",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and services.promotion_has_issued(obj):
            # Rule 8: terms are frozen once a coupon exists; "copy as new" changes them.
            return self.base_readonly + FROZEN_FIELDS
        return self.base_readonly

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term[:1].upper() == "C" and term[1:].isdigit():
            return queryset.filter(promo_no=term.upper()), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("기간"), ordering="promo_str_dtm")
    def period(self, obj):
        fmt = "%Y-%m-%d %H:%M"
        start = timezone.localtime(obj.promo_str_dtm).strftime(fmt)
        end = timezone.localtime(obj.promo_end_dtm).strftime(fmt)
        return f"{start} ~ {end}"

    @admin.display(description=_("발급/한도"))
    def issued_of_limit(self, obj):
        limit = _("무제한") if obj.issu_lmt_qty is None else f"{obj.issu_lmt_qty:,}"
        return f"{obj.issu_qty:,} / {limit}"

    @admin.display(description=_("발급수량/한도"))
    def issued_count(self, obj):
        return self.issued_of_limit(obj)

    @admin.display(description=_("사용/예산"))
    def budget_of_used(self, obj):
        budget = _("무제한") if obj.budget_amt is None else f"{obj.budget_amt:,}"
        burn = "" if obj.budget_burn is None else f" ({obj.budget_burn}%)"
        return f"{obj.budget_used:,} / {budget}{burn}"

    @admin.display(description=_("사용 할인금액 / 예산 (소진율)"))
    def budget_usage(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        if obj.budget_amt is None:
            return _("%(used)s원 사용 (예산 한도 없음)") % {"used": f"{obj.budget_used:,}"}
        return _("%(used)s원 / %(budget)s원 (소진율 %(burn)s%%, 남은 예산 %(left)s원)") % {
            "used": f"{obj.budget_used:,}",
            "budget": f"{obj.budget_amt:,}",
            "burn": obj.budget_burn,
            "left": f"{obj.budget_left:,}",
        }

    @admin.display(description=_("분담 비용 예시"))
    def cost_split_preview(self, obj):
        if obj is None or obj.pk is None or not obj.has_discount:
            return _("할인이 없는 쿠폰입니다.") if obj and obj.pk else "-"
        samples = sorted({max(obj.min_buy_amt or 0, 10_000), 50_000, 100_000})
        rows = [obj.cost_split(v) for v in samples]
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("주문금액"),
            _("할인액"),
            _("당사부담"),
            _("협력사부담"),
            format_html_join(
                "",
                "<tr><td>{}원</td><td>{}원</td><td>{}원</td><td>{}원</td></tr>",
                (
                    (
                        f"{r['order_value']:,}",
                        f"{r['discount']:,}",
                        f"{r['ours']:,}",
                        f"{r['vendor']:,}",
                    )
                    for r in rows
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        # Saved with its targets in save_related: one service call for the promotion and its
        # targets, so an approved promotion's edit becomes a revision as a whole (rule 10).
        pass

    def save_related(self, request, form, formsets, change):
        targets = None
        for formset in formsets:
            # what the admin's change message reads from a saved formset (the service saves)
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is PromotionTarget and formset.has_changed():
                deleted = set(map(id, formset.deleted_forms))
                targets = [
                    f.cleaned_data
                    for f in formset.forms
                    if id(f) not in deleted
                    and getattr(f, "cleaned_data", None)
                    and f.cleaned_data.get("aply_typ_cd")
                    and f.cleaned_data.get("tgt_no")
                ]
        # The split date/time widgets post whole seconds: a period the user did not touch keeps
        # its stored value, or every edit would look like a change of the period.
        for name, field in form.fields.items():
            if (
                isinstance(field, forms.SplitDateTimeField)
                and name not in form.changed_data
                and form.initial.get(name) is not None
            ):
                setattr(form.instance, name, form.initial[name])
        # The form ran promotion_validate's rules (model clean + context) and showed them on fields.
        saved = services.promotion_save(
            user=request.user, promotion=form.instance, targets=targets, validate=False
        )
        request._promotion_revision = saved if isinstance(saved, PromotionRevision) else None

    def response_change(self, request, obj):
        revision = getattr(request, "_promotion_revision", None)
        if revision is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            gettext(
                "변경 사항을 수정안 #%(no)s(으)로 저장했습니다. 다른 담당자가 승인할 때까지 "
                "승인된 조건이 그대로 적용됩니다."
            )
            % {"no": revision.pk},
            messages.WARNING,
        )
        return HttpResponseRedirect(request.path)

    # -- the pending revision: shown on the change page, approved or rejected by another user ---
    change_form_template = "admin/coupons/promotion/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        promotion = self.get_object(request, object_id)
        if promotion is not None:
            revision = services.promotion_pending_revision(promotion)
            extra_context["pending_revision"] = revision
            if revision is not None:
                extra_context["revision_rows"] = revision_rows(revision)
                extra_context["revision_is_author"] = revision.author_id == request.user.pk
                extra_context["revision_can_decide"] = self.has_approve_permission(request)
            if can_view_report(request.user):
                # The cost report's figures for this promotion (SPEC §8), above the form.
                extra_context["report_figures"] = promotion_figures(promotion)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revisions/<int:revision_id>/<str:decision>/",
                self.admin_site.admin_view(self.revision_decide_view),
                name="coupons_promotion_revision_decide",
            ),
            *super().get_urls(),
        ]

    def revision_decide_view(self, request, object_id, revision_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("approve", "reject") or not object_id.isdigit():
            raise PermissionDenied
        if not self.has_approve_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(PromotionRevision, pk=revision_id, promotion_id=object_id)
        change_url = reverse("admin:coupons_promotion_change", args=[revision.promotion_id])
        try:
            if decision == "approve":
                services.promotion_revision_approve(user=request.user, revision=revision)
                done = gettext("수정안 #%(no)s을(를) 승인해 적용했습니다.")
            else:
                services.promotion_revision_reject(
                    user=request.user, revision=revision, note=request.POST.get("note", "")
                )
                done = gettext("수정안 #%(no)s을(를) 반려했습니다.")
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, done % {"no": revision.pk}, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    # -- actions: each a few lines around one service ------------------------------------
    def has_approve_permission(self, request):
        return request.user.has_perm("coupons.approve_promotion")

    def _each(self, request, queryset, service, done_message):
        done = 0
        for promotion in queryset:
            try:
                service(user=request.user, promotion=promotion)
                done += 1
            except DomainError as exc:
                detail = "; ".join(
                    f"{k}: {' '.join(map(str, v))}"
                    for k, v in exc.fields.items()
                    if k != "promo_stat_cd"
                )
                self.message_user(
                    request,
                    f"{promotion.promo_no}: {exc.message}" + (f" ({detail})" if detail else ""),
                    messages.ERROR,
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"{promotion.promo_no}: {'; '.join(exc.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("선택한 프로모션 승인"), permissions=["approve"])
    def approve(self, request, queryset):
        self._each(request, queryset, services.promotion_approve, _("%(count)d건을 승인했습니다."))

    @admin.action(description=_("선택한 프로모션 중지"), permissions=["approve"])
    def suspend(self, request, queryset):
        self._each(request, queryset, services.promotion_suspend, _("%(count)d건을 중지했습니다."))

    @admin.action(description=_("선택한 프로모션 종료"), permissions=["approve"])
    def end(self, request, queryset):
        self._each(request, queryset, services.promotion_end, _("%(count)d건을 종료했습니다."))

    @admin.action(description=_("새 프로모션으로 복사"), permissions=["add"])
    def copy_as_new(self, request, queryset):
        for promotion in queryset:
            copy = services.promotion_copy(user=request.user, promotion=promotion)
            self.message_user(
                request,
                format_html(
                    _("{}을(를) {}(으)로 복사했습니다."), promotion.promo_no, copy.promo_no
                ),
                messages.SUCCESS,
            )
