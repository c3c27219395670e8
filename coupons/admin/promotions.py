"""The merchandiser's promotion admin: the form with its targets inline, list, search, and the
approve / suspend / end / copy actions, each one service call."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from coupons import services
from coupons.errors import DomainError
from coupons.forms import PromotionForm, PromotionTargetFormSet
from coupons.models import FROZEN_FIELDS, Promotion, PromotionTarget


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
        # The form ran promotion_validate's rules (model clean + context) and showed them on fields.
        services.promotion_save(user=request.user, promotion=obj, validate=False)

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
