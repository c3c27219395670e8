"""Admin for Coupang instant-discount coupons (즉시할인쿠폰): every local rule on save as a field
error, options pasted many at once, actions and buttons that each call one service, and the
reconcile's findings (what Coupang has that is not here, and what differs)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.errors import Conflict, DomainError
from backoffice.paste import PastedNumbersField
from marketplaces.admin import (
    ObjectOperation,
    SyncedObjectAdmin,
    badge_display,
    error_text,
    job_action,
    json_display,
    mall_promotion_link,
    report_job,
    when_display,
    won,
)

from . import instant, rules
from .models import CoupangInstantCoupon, CoupangInstantCouponItem, CoupangInstantFinding

Status = CoupangInstantCoupon.LocalStatus
TERMS = (
    "name",
    "contract_id",
    "type",
    "discount",
    "max_discount_price",
    "start_at",
    "end_at",
    "wow_exclusive",
)
PASTE_FIELD = "vendor_item_ids_pasted"
# A coupon carries options in the tens of thousands; the job sends them 10,000 a call.
PASTE_MAX = 100_000


def _form_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, str]) -> bool:
    """Put a service's field errors on `form` (True), or say they do not belong to it (False)."""
    fields = getattr(exc, "error_dict", {})
    mapped = {field_map.get(f, f) for f in fields}
    if not fields or not mapped <= set(form.fields) | {None}:
        return False
    for field, errors in exc.message_dict.items():
        form.add_error(field_map.get(field, field), errors)
    return True


class CoupangInstantCouponForm(forms.ModelForm):
    # The options, many at once (one a line, or a column copied from Excel); saved with the
    # coupon or not at all.
    vendor_item_ids_pasted = PastedNumbersField(
        label=_("옵션 ID 붙여 넣기"),
        required=False,
        max_count=PASTE_MAX,
        help_text=_(
            "한 줄에 하나씩, 또는 엑셀에서 열을 복사해 붙여 넣으세요. 쿠폰과 함께 저장됩니다."
        ),
    )

    class Meta:
        model = CoupangInstantCoupon
        fields = [*TERMS, "promotion"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            # blank and too long are refused by the rule, in its words (not Django's)
            self.fields["name"].required = False
            self.fields["name"].max_length = None
            self.fields["name"].validators = []
            self.fields["name"].widget.attrs.pop("maxlength", None)

    def _get_validation_exclusions(self):
        # The name's length is `rules.instant_name_valid`'s (Model.clean), said once, in its words.
        return {*super()._get_validation_exclusions(), "name"}

    def clean_vendor_item_ids_pasted(self):
        ids = self.cleaned_data.get(PASTE_FIELD) or []
        if ids and self.instance.pk:
            already = sorted(
                self.instance.items.filter(vendor_item_id__in=ids).values_list(
                    "vendor_item_id", flat=True
                )
            )
            try:
                rules.instant_items_already_added(already)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["items"]) from None
        return ids

    def clean(self):
        cleaned = super().clean()
        # The row's own rules run in Model.clean(); the start needs the clock.
        if not (self.instance.pk and self.instance.is_created_remotely):
            try:
                rules.instant_start_not_past(cleaned.get("start_at"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, errors)
        return cleaned


class AddItemsForm(forms.Form):
    vendor_item_ids = PastedNumbersField(label=_("추가할 옵션 ID"), max_count=PASTE_MAX)


class ReconcileForm(forms.Form):
    """Nothing to fill in: the reconcile reads every status and page of the vendor's list."""


class FindingsFilter(admin.SimpleListFilter):
    title = _("대조 결과")
    parameter_name = "finding"

    def lookups(self, request, model_admin):
        return [("differs", _("쿠팡과 내용이 다름")), ("none", _("차이 없음"))]

    def queryset(self, request, queryset):
        if self.value() == "differs":
            return queryset.filter(findings__isnull=False).distinct()
        if self.value() == "none":
            return queryset.filter(findings__isnull=True)
        return queryset


def _shown_push(coupon) -> bool:
    return coupon.local_status in (Status.DRAFT, Status.FAILED)


@admin.register(CoupangInstantCoupon)
class CoupangInstantCouponAdmin(SyncedObjectAdmin):
    form = CoupangInstantCouponForm
    raw_id_fields = ["promotion"]  # the mall has many promotions: no select of them all
    list_display = [
        "id",
        "name",
        "coupon_id",
        "local_status_badge",
        "remote_status_badge",
        "discount_summary",
        "start_at_display",
        "end_at_display",
        "item_count",
        "error_summary",
    ]
    list_filter = ["local_status", "remote_status", "type", FindingsFilter]
    search_fields = ["name", "=coupon_id"]
    show_full_result_count = False
    actions = [
        "create_on_coupang",
        "add_options",
        "expire_on_coupang",
        "poll_coupang",
        "reconcile_with_coupang",
    ]
    status_fields = [
        "local_status",
        "remote_status",
        "coupon_id",
        "last_error_display",
        "remote_synced_at",
        "promotion_link",
        "item_summary",
        "failed_items",
        "findings_display",
        "create_requested_id",
        "create_attempted_at",
        "expire_requested_id",
        "create_request_display",
        "remote_payload_display",
        "sync_history",
    ]
    fieldsets = [
        (_("쿠폰"), {"fields": [*TERMS, "promotion"]}),
        (_("쿠팡 동기화"), {"fields": status_fields}),
    ]
    paste_fieldset = (
        _("옵션 여러 개 붙여 넣기"),
        {"fields": [PASTE_FIELD], "description": _("쿠폰과 함께 저장됩니다.")},
    )
    object_operations = (
        ObjectOperation(
            name="push",
            label=_("쿠팡에 등록"),
            service=instant.coupang_instant_push,
            key="coupon",
            shown=_shown_push,
        ),
        ObjectOperation(
            name="poll",
            label=_("요청 결과 확인 및 새로 읽기"),
            service=instant.coupang_instant_poll,
            key="coupon",
            permission="view",
            shown=lambda c: c.is_created_remotely,
        ),
        ObjectOperation(
            name="expire",
            label=_("쿠팡에서 만료"),
            service=instant.coupang_instant_expire,
            key="coupon",
            shown=lambda c: bool(c.coupon_id) and c.local_status == Status.PUSHED,
            confirm=_("쿠팡에서 이 쿠폰을 만료할까요? 되돌릴 수 없습니다."),
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        frozen = list(TERMS) if obj and obj.is_created_remotely else []
        return [*frozen, *self.status_fields]

    def get_fieldsets(self, request, obj=None):
        terms = self.fieldsets[:1]
        if not (obj and obj.is_created_remotely) and self.has_change_permission(request, obj):
            terms = [*terms, self.paste_fieldset]
        if obj is None:
            return terms
        return [*terms, *self.fieldsets[1:]]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pasted = form.cleaned_data.get(PASTE_FIELD) or []
        CoupangInstantCouponItem.objects.bulk_create(
            [CoupangInstantCouponItem(coupon=form.instance, vendor_item_id=i) for i in pasted],
            batch_size=2000,
        )

    def sync_target(self, obj):
        return instant.TARGET_INSTANT, str(obj.pk), Q(pk__in=[])

    # --- display ---
    local_status_badge = badge_display("local_status", _("처리 상태"))
    remote_status_badge = badge_display("remote_status", _("쿠팡 상태"))
    start_at_display = when_display("start_at", _("시작"))
    end_at_display = when_display("end_at", _("종료"))
    remote_payload_display = json_display("remote_payload", _("마지막 수신 내용"))
    create_request_display = json_display("create_request", _("보낸 생성 요청"))

    @admin.display(description=_("할인"))
    def discount_summary(self, obj):
        amount = f"{obj.discount}%" if obj.type == rules.RATE else won(obj.discount)
        return format_html(
            '<span class="mk-nowrap">{} ({} {})</span>',
            amount,
            gettext("최대"),
            won(obj.max_discount_price),
        )

    @admin.display(description=_("옵션 수"), ordering="item_total")
    def item_count(self, obj):
        return f"{getattr(obj, 'item_total', obj.items.count()):,}"

    @admin.display(description=_("연결된 프로모션"))
    def promotion_link(self, obj):
        return mall_promotion_link(obj)

    @admin.display(description=_("옵션 등록 상태"))
    def item_summary(self, obj):
        counts = dict(
            obj.items.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        if not counts:
            return "-"
        labels = dict(CoupangInstantCouponItem.Status.choices)
        return format_html_join(
            ", ", "{}: {}", ((labels[s], f"{counts[s]:,}") for s in labels if s in counts)
        )

    @admin.display(description=_("등록 실패 옵션"))
    def failed_items(self, obj):
        failed = obj.items.filter(status=CoupangInstantCouponItem.Status.FAILED).order_by("id")
        rows = list(failed[:50].values_list("vendor_item_id", "failure_reason"))
        if not rows:
            return "-"
        return format_html_join(format_html("<br>"), "{} — {}", rows)

    @admin.display(description=_("대조 결과"))
    def findings_display(self, obj):
        findings = list(obj.findings.all())
        if not findings:
            return "-"
        return format_html_join(
            format_html("<br>"),
            "{}: {} → {}",
            (
                (field, here, there)
                for finding in findings
                for field, (here, there) in finding.differences.items()
            ),
        )

    # --- actions: each one service call per coupon, one message per outcome ---
    create_on_coupang = job_action(
        instant.coupang_instant_push, key="coupon", description=_("쿠팡에 등록")
    )
    expire_on_coupang = job_action(
        instant.coupang_instant_expire, key="coupon", description=_("쿠팡에서 만료")
    )
    poll_coupang = job_action(
        instant.coupang_instant_poll,
        key="coupon",
        description=_("요청 결과 확인 및 새로 읽기"),
        permission="view",
    )

    @admin.action(description=_("옵션 추가 (여러 개 붙여 넣기)"), permissions=["change"])
    def add_options(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("쿠폰을 하나만 선택하세요."), messages.ERROR)
            return None
        coupon = queryset.get()
        form = AddItemsForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                job = instant.coupang_instant_add_items(
                    coupon=coupon,
                    vendor_item_ids=form.cleaned_data["vendor_item_ids"],
                    user=request.user,
                )
            except ValidationError as exc:
                if not _form_errors(form, exc, {"items": "vendor_item_ids"}):
                    self.message_user(request, f"{coupon}: {error_text(exc)}", messages.ERROR)
                    return None
            except DomainError as exc:
                self.message_user(request, f"{coupon}: {error_text(exc)}", messages.ERROR)
                return None
            else:
                label = gettext("옵션 추가 — %s") % coupon
                if job is None:
                    self.message_user(
                        request,
                        gettext(
                            "%(label)s: 옵션 %(n)s개를 저장했습니다. 쿠팡에 등록할 때 함께 보냅니다."
                        )
                        % {"label": label, "n": f"{len(form.cleaned_data['vendor_item_ids']):,}"},
                        messages.SUCCESS,
                    )
                else:
                    report_job(self, request, label, job)
                return None
        return TemplateResponse(
            request,
            "admin/marketplaces/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("옵션 추가"),
                "coupon": coupon,
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("쿠팡 목록과 대조 (선택과 관계없이 전체)"), permissions=["view"])
    def reconcile_with_coupang(self, request, queryset):
        _queue_reconcile(self, request)


def _queue_reconcile(modeladmin, request) -> None:
    try:
        job = instant.coupang_instant_reconcile(user=request.user)
    except Conflict as exc:
        modeladmin.message_user(request, error_text(exc), messages.ERROR)
        return
    report_job(
        modeladmin,
        request,
        gettext("쿠팡 목록과 대조"),
        job,
        queued_note=_("결과는 '쿠팡 즉시할인쿠폰 대조 결과'에서 볼 수 있습니다."),
    )


@admin.register(CoupangInstantFinding)
class CoupangInstantFindingAdmin(admin.ModelAdmin):
    """The last reconcile's findings; "쿠팡 목록과 대조" (reconcile/) runs it again."""

    list_display = [
        "kind_badge",
        "remote_coupon_id",
        "name",
        "remote_status",
        "coupon_link",
        "differences_display",
        "found_at_display",
    ]
    list_filter = ["kind", "remote_status"]
    search_fields = ["=remote_coupon_id", "name"]
    show_full_result_count = False
    actions = ["reconcile_again"]

    kind_badge = badge_display("kind", _("종류"))
    found_at_display = when_display("found_at", _("대조 시각"))
    remote_payload_display = json_display("remote_payload", _("쿠팡 내용"))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["remote_payload_display"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("이 쪽 쿠폰"))
    def coupon_link(self, obj):
        if not obj.coupon_id:
            return "-"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:marketplaces_coupanginstantcoupon_change", args=[obj.coupon_id]),
            obj.coupon,
        )

    @admin.display(description=_("차이 (이 쪽 → 쿠팡)"))
    def differences_display(self, obj):
        if not obj.differences:
            return "-"
        return format_html_join(
            format_html("<br>"),
            "{}: {} → {}",
            ((field, here, there) for field, (here, there) in obj.differences.items()),
        )

    @admin.action(description=_("쿠팡 목록과 다시 대조"), permissions=["view"])
    def reconcile_again(self, request, queryset):
        _queue_reconcile(self, request)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "reconcile/",
                self.admin_site.admin_view(self.reconcile_view),
                name="%s_%s_reconcile" % info,
            ),
            *super().get_urls(),
        ]

    def reconcile_view(self, request):
        """GET: what the reconcile does; POST: queue it and come back to the findings."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            _queue_reconcile(self, request)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            )
        return TemplateResponse(
            request,
            "admin/marketplaces/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext(
                    "쿠팡 목록과 대조: 판매자의 즉시할인쿠폰을 상태별로 모두 읽어, 쿠팡에만 "
                    "있는 쿠폰과 내용이 다른 쿠폰을 기록합니다."
                ),
                "coupon": None,
                "form": ReconcileForm(),
                "action": "",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
