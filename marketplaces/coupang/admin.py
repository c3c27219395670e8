"""Admin for Coupang downloadable coupons: every local rule on save as a field error, and actions
that each call one service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.jobs.models import Job
from backoffice.paste import PastedNumbersField
from coupons.errors import DomainError
from marketplaces.admin import (
    ObjectOperation,
    SyncedObjectAdmin,
    badge_display,
    compact_when,
    error_text,
    job_action,
    json_display,
    report_job,
    won,
)

from . import rules, services
from .models import CoupangCoupon, CoupangCouponItem, CoupangCouponPolicy

COUPON_TERMS = ("title", "contract_id", "start_at", "end_at", "wing_user_id")


# --- Coupang coupon form and inlines (every local rule on save, as field errors) ---------------
PASTE_FIELD = "vendor_item_ids_pasted"


class CoupangCouponForm(forms.ModelForm):
    # Many vendor items at once, besides the item rows below; saved with them or not at all.
    vendor_item_ids_pasted = PastedNumbersField(
        label=_("옵션 ID 붙여 넣기"),
        required=False,
        max_count=10_000,
        help_text=_(
            "한 줄에 하나씩, 또는 엑셀에서 열을 복사해 붙여 넣으세요. 아래 옵션 목록에 더해 저장됩니다."
        ),
    )

    class Meta:
        model = CoupangCoupon
        fields = ["title", "contract_id", "start_at", "end_at", "wing_user_id", "promotion"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "title" in self.fields:
            self.fields["title"].required = False  # refused by the rule, in its words

    def clean_vendor_item_ids_pasted(self):
        ids = self.cleaned_data.get(PASTE_FIELD) or []
        if ids and self.instance.pk and self.instance.is_created_remotely:
            raise ValidationError(
                _("쿠팡에 만들어진 쿠폰의 옵션은 바꿀 수 없습니다. '옵션 교체'를 쓰세요.")
            )
        if ids:
            taken = CoupangCouponItem.objects.filter(active=True, vendor_item_id__in=ids)
            if self.instance.pk:
                taken = taken.exclude(coupon=self.instance)
            try:
                rules.items_not_taken(
                    taken.order_by("vendor_item_id").values_list(
                        "vendor_item_id", "coupon_id", "coupon__title"
                    )
                )
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["items"]) from None
        # the item rows' formset checks these together with its own rows (ItemFormSet.clean)
        self.instance._pasted_vendor_item_ids = ids
        return ids

    def clean(self):
        cleaned = super().clean()
        # End after start is the model's own rule (Model.clean); the lead time needs the clock.
        if not (self.instance.pk and self.instance.is_created_remotely):
            try:
                rules.start_after_lead_time(cleaned.get("start_at"))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, errors)
        return cleaned


class PolicyForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "title" in self.fields:
            self.fields["title"].required = False  # refused by the rule, in its words


class PolicyFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            f.instance for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            # One-row rules already ran on each row (Model.clean); these belong to the set.
            services.coupang_policies_validate(kept, check_rows=False)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["policies"]) from None


class ItemFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        """Repeated items are refused by the rule (`rules.items_unique`), in its words."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ids = [
            f.cleaned_data["vendor_item_id"]
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("vendor_item_id") is not None
        ]
        # pasted ids join the rows (one already among them is the same item, not a repeat)
        pasted = getattr(self.instance, "_pasted_vendor_item_ids", None) or []
        ids += [i for i in pasted if i not in set(ids)]
        coupon = self.instance if self.instance.pk else None
        try:
            services.coupang_items_validate(ids, coupon=coupon)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["items"]) from None


class _TermsInline(admin.TabularInline):
    """Inline rows Coupang cannot change once the coupon exists there."""

    def _frozen(self, obj) -> bool:
        return bool(obj and obj.is_created_remotely)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class PolicyInline(_TermsInline):
    model = CoupangCouponPolicy
    form = PolicyForm
    formset = PolicyFormSet
    fields = [
        "position",
        "title",
        "type_of_discount",
        "description",
        "minimum_price",
        "discount",
        "maximum_discount_price",
        "maximum_per_daily",
        "manage_code",
    ]
    readonly_fields = ["manage_code"]
    extra = 0
    min_num = 1
    max_num = 3


class ItemInline(_TermsInline):
    model = CoupangCouponItem
    formset = ItemFormSet
    fields = ["vendor_item_id", "status", "transaction_id", "failure_reason", "active"]
    readonly_fields = ["status", "transaction_id", "failure_reason", "active"]
    extra = 3


class ItemIdsForm(forms.Form):
    vendor_item_ids = PastedNumbersField(label=_("새 옵션 ID 목록"), max_count=10_000)
    start_at = forms.DateTimeField(
        label=_("새 쿠폰 시작 일시"),
        required=False,
        help_text=_("비우면 기존 시작 일시와 지금부터 1시간 5분 후 중 늦은 시각."),
    )


class AdoptForm(forms.Form):
    coupon_id = forms.IntegerField(label=_("WING에서 찾은 couponId"), min_value=1)


class ResendCreateForm(forms.Form):
    confirm = forms.CharField(
        label=_("확인: 이 쿠폰의 쿠폰명 또는 ID"),
        max_length=200,
        required=False,  # a missing one is refused by the rule, in its words
        help_text=_("WING에서 이 쿠폰이 없음을 확인했다면 쿠폰명 또는 ID를 그대로 입력하세요."),
    )


@admin.register(CoupangCoupon)
class CoupangCouponAdmin(SyncedObjectAdmin):
    form = CoupangCouponForm
    inlines = [PolicyInline, ItemInline]
    list_display = [
        "id",
        "title",
        "coupon_id",
        "local_status_badge",
        "remote_status_badge",
        "period_display",
        "discount_summary",
        "error_summary",
    ]
    list_filter = ["local_status", "remote_status"]
    search_fields = ["title", "=coupon_id"]
    show_full_result_count = False
    actions = [
        "create_on_coupang",
        "expire_on_coupang",
        "refresh_from_coupang",
        "replace_items",
        "adopt_coupon_id",
        "resend_create",
    ]
    status_fields = [
        "local_status",
        "remote_status",
        "coupon_id",
        "last_error_display",
        "remote_synced_at",
        "replaces",
        "replaced_by_link",
        "destroyed_coupon_ids",
        "create_attempted_at",
        "create_request_display",
        "remote_payload_display",
        "sync_history",
    ]
    fieldsets = [
        (
            _("쿠폰"),
            {"fields": ["title", "contract_id", "start_at", "end_at", "wing_user_id", "promotion"]},
        ),
        (_("쿠팡 동기화"), {"fields": status_fields}),
    ]
    paste_fieldset = (
        _("옵션 여러 개 붙여 넣기"),
        {"fields": [PASTE_FIELD], "description": _("아래 옵션 행과 함께 저장됩니다.")},
    )

    object_operations = (
        ObjectOperation(
            name="push",
            label=_("쿠팡에 등록"),
            service=services.coupang_coupon_push,
            key="coupon",
            shown=lambda c: (
                c.local_status
                in (
                    CoupangCoupon.LocalStatus.DRAFT,
                    CoupangCoupon.LocalStatus.FAILED,
                    CoupangCoupon.LocalStatus.DESTROYED,
                )
            ),
        ),
        ObjectOperation(
            name="refresh",
            label=_("쿠팡에서 새로 읽기"),
            service=services.coupang_coupon_refresh,
            key="coupon",
            permission="view",
            shown=lambda c: bool(c.coupon_id),
        ),
        ObjectOperation(
            name="expire",
            label=_("쿠팡에서 만료"),
            service=services.coupang_coupon_expire,
            key="coupon",
            shown=lambda c: (
                bool(c.coupon_id) and c.local_status == CoupangCoupon.LocalStatus.PUSHED
            ),
            confirm=_("쿠팡에서 이 쿠폰을 만료할까요? 되돌릴 수 없습니다."),
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        frozen = list(COUPON_TERMS) if obj and obj.is_created_remotely else []
        return [*frozen, *self.status_fields]

    def get_fieldsets(self, request, obj=None):
        terms = self.fieldsets[:1]
        if not (obj and obj.is_created_remotely) and self.has_change_permission(request, obj):
            terms = [*terms, self.paste_fieldset]
        if obj is None:
            return terms
        return [*terms, *self.fieldsets[1:]]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("policies")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        pasted = form.cleaned_data.get(PASTE_FIELD) or []
        if pasted:
            have = set(form.instance.items.values_list("vendor_item_id", flat=True))
            CoupangCouponItem.objects.bulk_create(
                CoupangCouponItem(coupon=form.instance, vendor_item_id=i)
                for i in pasted
                if i not in have
            )

    # --- display ---
    local_status_badge = badge_display("local_status", _("처리 상태"))
    remote_status_badge = badge_display("remote_status", _("쿠팡 상태"))

    @admin.display(description=_("기간"), ordering="start_at")
    def period_display(self, obj):
        return format_html(
            '<span class="mk-nowrap">{}</span><br><span class="mk-nowrap">~ {}</span>',
            compact_when(obj.start_at),
            compact_when(obj.end_at),
        )

    @admin.display(description=_("할인"))
    def discount_summary(self, obj):
        policies = sorted(obj.policies.all(), key=lambda p: (p.position, p.pk))
        if not policies:
            return "-"
        if policies[0].type_of_discount == CoupangCouponPolicy.Discount.RATE:
            amounts = [f"{p.discount}%" for p in policies]
        else:
            amounts = [won(p.discount) for p in policies]
        shown = amounts[0] if len(amounts) == 1 else f"{amounts[0]} ~ {amounts[-1]}"
        return format_html('<span class="mk-nowrap mk-money">{}</span>', shown)

    @admin.display(description=_("대체한 새 쿠폰"))
    def replaced_by_link(self, obj):
        new = CoupangCoupon.objects.filter(replaces=obj).first()
        if not new:
            return "-"
        return format_html('<a href="../../{}/change/">#{} {}</a>', new.pk, new.pk, new.title)

    remote_payload_display = json_display(
        "remote_payload", _("마지막 수신 내용"), summary=_("쿠팡이 보낸 내용 보기")
    )
    create_request_display = json_display(
        "create_request",
        _("보낸 생성 요청 (WING에서 찾을 때 참고)"),
        summary=_("보낸 생성 요청 보기"),
    )

    def sync_target(self, obj):
        replacing = Job.objects.filter(
            target_type=services.TARGET_COUPANG_COUPON, payload__replaces=obj.pk
        )
        return services.TARGET_COUPANG_COUPON, str(obj.pk), Q(job__in=replacing)

    # --- actions: each one service call per coupon, one message per outcome ---
    create_on_coupang = job_action(
        services.coupang_coupon_push, key="coupon", description=_("쿠팡에 등록")
    )
    expire_on_coupang = job_action(
        services.coupang_coupon_expire, key="coupon", description=_("쿠팡에서 만료")
    )
    refresh_from_coupang = job_action(
        services.coupang_coupon_refresh,
        key="coupon",
        description=_("쿠팡에서 새로 읽기"),
        permission="view",
    )

    def _one_with_form(
        self,
        request,
        queryset,
        form_class,
        title,
        apply,
        template="admin/marketplaces/action_form.html",
    ):
        if queryset.count() != 1:
            self.message_user(request, _("쿠폰을 하나만 선택하세요."), messages.ERROR)
            return None
        coupon = queryset.get()
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                return apply(coupon, form.cleaned_data)
            except ValidationError as exc:
                fields = getattr(exc, "error_dict", {})
                if not fields or not set(fields) <= set(form.fields):
                    self.message_user(request, f"{coupon}: {error_text(exc)}", messages.ERROR)
                    return None
                for field, errors in exc.message_dict.items():  # shown on the form
                    form.add_error(field, errors)
            except DomainError as exc:
                self.message_user(request, f"{coupon}: {error_text(exc)}", messages.ERROR)
                return None
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "coupon": coupon,
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("옵션 교체 (만료 후 새 쿠폰 생성)"), permissions=["change"])
    def replace_items(self, request, queryset):
        def apply(coupon, data):
            new = services.coupang_coupon_replace_items(
                coupon=coupon,
                vendor_item_ids=data["vendor_item_ids"],
                user=request.user,
                start_at=data.get("start_at"),
            )
            job = Job.objects.filter(
                target_type=services.TARGET_COUPANG_COUPON, target_id=str(new.pk)
            ).latest("id")
            report_job(self, request, _("옵션 교체 — 새 쿠폰 #%s") % new.pk, job)

        return self._one_with_form(request, queryset, ItemIdsForm, _("옵션 교체"), apply)

    @admin.action(description=_("WING에서 찾은 couponId 연결"), permissions=["change"])
    def adopt_coupon_id(self, request, queryset):
        def apply(coupon, data):
            job = services.coupang_coupon_adopt(
                coupon=coupon, coupon_id=data["coupon_id"], user=request.user
            )
            report_job(self, request, _("couponId 연결 — %s") % coupon, job)

        return self._one_with_form(request, queryset, AdoptForm, _("couponId 연결"), apply)

    @admin.action(description=_("생성되지 않음 확인 후 재전송"), permissions=["change"])
    def resend_create(self, request, queryset):
        """A confirmation page first: resending may duplicate the coupon on Coupang."""

        def apply(coupon, data):
            job = services.coupang_coupon_resend_create(
                coupon=coupon, user=request.user, confirm=data["confirm"]
            )
            report_job(self, request, _("재전송 — %s") % coupon, job)

        return self._one_with_form(
            request,
            queryset,
            ResendCreateForm,
            _("생성되지 않음 확인 후 재전송"),
            apply,
            template="admin/marketplaces/coupang_resend_create.html",
        )


from . import admin_instant  # noqa: E402,F401  (instant-discount coupons register their admin)
