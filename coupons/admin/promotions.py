"""The merchandiser's promotion admin: the form with its targets inline, list, search, the
approve / suspend / end / copy actions, each one service call, and the pending revision of an
approved promotion (old → new per field, approve / reject) with the promotion's audit history."""

import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import connection
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.mirrors import mirrors_of
from coupons import codes, services
from coupons.errors import DomainError
from coupons.forms import PromotionForm, PromotionTargetForm, PromotionTargetFormSet
from coupons.models import FROZEN_FIELDS, Promotion, PromotionRevision, PromotionTarget

from .reports import can_view_report, promotion_figures
from .targets import target_autocomplete, target_label, target_names, targets_display

# The code-list fields a read-only page shows through `_display` (Django's read-only field
# looks a list up among single choices and shows "-"): field -> the admin's display method.
LIST_DISPLAYS = {
    "ord_media_cds": "ord_media_cds_display",
    "grade_cds": "grade_cds_display",
    "weekdays": "weekdays_display",
    "site_nos": "site_nos_display",
}
STATUS_BADGES = {
    codes.PromoStatus.DRAFT: "badge-draft",
    codes.PromoStatus.APPROVED: "badge-ok",
    codes.PromoStatus.SUSPENDED: "badge-warn",
    codes.PromoStatus.ENDED: "badge-off",
    PromotionRevision.Status.PENDING: "badge-warn",
    PromotionRevision.Status.APPROVED: "badge-ok",
    PromotionRevision.Status.REJECTED: "badge-off",
}
ADMIN_CSS = "coupons/admin.css"
_CODE = re.compile(r"^[A-Z0-9_]+$")  # a status or a number, as the API's fields carry them


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
    return ", ".join(targets_display(targets))


def badge(status, label) -> str:
    """A status as a badge (`.badge` of coupons/admin.css), one line whatever the column."""
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_BADGES.get(status, "badge-off"), label
    )


def refusal_text(exc: DomainError) -> str:
    """A service's refusal as one message: its sentence, then whatever its fields add that the
    sentence does not already say, labelled by the field's name in words (never its code)."""
    said = [str(exc.message)]
    for name, field_messages in (exc.fields or {}).items():
        if name == "promo_stat_cd":  # the status is in the sentence
            continue
        try:
            label = str(Promotion._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            if name not in ("targets", "__all__"):
                continue  # the API's facts (a revision's status or number), not words
            label = ""
        for message in field_messages:
            message = str(message)
            if _CODE.match(message) or any(message.rstrip(". ") in part for part in said):
                continue
            said.append(f"{label}: {message}" if label else message)
    return " ".join(said)


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
    form = PromotionTargetForm
    formset = PromotionTargetFormSet
    template = "admin/coupons/promotion/targets_inline.html"
    extra = 0
    fields = ("aply_gb_cd", "aply_typ_cd", "tgt_no")
    verbose_name = _("적용/제외 대상")
    verbose_name_plural = _("적용/제외 대상 (사이트·상품·전시카테고리·협력사·브랜드·기획전)")

    class Media:
        css = {
            "all": (
                "admin/css/vendor/select2/select2.css",
                "admin/css/autocomplete.css",
                ADMIN_CSS,
            )
        }
        js = (
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/vendor/select2/i18n/ko.js",
            "admin/js/jquery.init.js",
            "coupons/target_picker.js",
        )

    def _frozen(self, obj):
        return obj is not None and services.promotion_has_issued(obj)

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or self.has_add_permission(request, obj):
            return self.fields
        # read-only (a CS agent, a frozen promotion): the number with its name
        return ("aply_gb_cd", "aply_typ_cd", "target")

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or self.has_add_permission(request, obj):
            return ()
        return ("aply_gb_cd", "aply_typ_cd", "target")

    @admin.display(description=_("대상"))
    def target(self, obj):
        names = getattr(self, "_names", None)
        if names is None:
            # one query per target type for the page, not one per row
            names = self._names = target_names(
                PromotionTarget.objects.filter(promotion_id=obj.promotion_id).values_list(
                    "aply_typ_cd", "tgt_no"
                )
            )
        return target_label(obj.aply_typ_cd, obj.tgt_no, names)

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


class PeriodRangeFilter(admin.ListFilter):
    """Promotions whose issue period (promotion period) or use period (coupon validity) overlaps
    a from / to date range, both days included, in Asia/Seoul. The use period of an N-days
    coupon runs from the promotion's start to its end plus N days."""

    title = _("기간 검색")
    template = "admin/coupons/promotion/period_range_filter.html"
    basis_param, from_param, to_param = "range_basis", "range_from", "range_to"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for key in (self.basis_param, self.from_param, self.to_param):
            if key in params:
                value = params.pop(key)
                value = value[-1] if isinstance(value, list) else value
                self.values[key] = value or ""
        self.basis = self.values.get(self.basis_param) or "issue"
        if self.basis not in ("issue", "use"):
            raise IncorrectLookupParameters(self.basis)
        self.since = self._day(self.from_param)
        self.until = self._day(self.to_param)

    def _day(self, key):
        value = self.values.get(key) or ""
        if not value:
            return None
        try:
            day = parse_date(value)
        except ValueError as exc:
            raise IncorrectLookupParameters(exc) from exc
        if day is None:
            raise IncorrectLookupParameters(value)
        return day

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.basis_param, self.from_param, self.to_param]

    def choices(self, changelist):
        # the other filters and the search, kept by the form
        self.kept_params = [
            (key, value)
            for key, values in changelist.params.items()
            if key not in self.expected_parameters() and key != "p"
            for value in (values if isinstance(values, list) else [values])
        ]
        self.bases = [("issue", _("발급기간")), ("use", _("사용기간"))]
        self.clear_url = changelist.get_query_string(remove=self.expected_parameters())
        return []

    @staticmethod
    def _midnight(day):
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))

    def queryset(self, request, queryset):
        if self.since is None and self.until is None:
            return queryset
        since = self._midnight(self.since) if self.since else None
        until = self._midnight(self.until + dt.timedelta(days=1)) if self.until else None
        if self.basis == "issue":
            q = Q()
            if until:
                q &= Q(promo_str_dtm__lt=until)
            if since:
                q &= Q(promo_end_dtm__gt=since)
            return queryset.filter(q)
        fixed = Q(vali_basis_cd=codes.ValidityBasis.FIXED)
        days = Q(vali_basis_cd=codes.ValidityBasis.DAYS)
        if until:
            fixed &= Q(vali_strt_dtm__lt=until)
            days &= Q(promo_str_dtm__lt=until)
        if since:
            fixed &= Q(vali_end_dtm__gt=since)
            days &= Q(use_until__gt=since)
            queryset = queryset.annotate(
                use_until=ExpressionWrapper(
                    F("promo_end_dtm") + _days(F("vali_days")), output_field=DateTimeField()
                )
            )
        return queryset.filter(fixed | days)


def _days(count):
    """`count` days as a duration expression: an interval times the count on PostgreSQL; on
    SQLite, whose durations are microseconds, the count times a day's microseconds."""
    if connection.vendor == "postgresql":
        day = dt.timedelta(days=1)
    else:
        day = Value(86_400_000_000)
    return ExpressionWrapper(count * day, output_field=DurationField())


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionForm
    inlines = [PromotionTargetInline]
    list_display = (
        "promo_no",
        "name_and_kind",
        "status_badge",
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
        PeriodRangeFilter,
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

    paste_fieldset = (
        _("적용대상 여러 개 붙여넣기"),
        {
            "classes": ("paste-targets",),
            "fields": ("paste_aply_gb_cd", "paste_aply_typ_cd", "paste_tgt_nos"),
            "description": _(
                "같은 유형의 대상번호를 한 번에 추가합니다. 저장하면 아래 적용/제외 대상에 "
                "더해집니다."
            ),
        },
    )

    class Media:
        css = {"all": (ADMIN_CSS,)}

    def _frozen(self, request, obj):
        """Rule 8: terms are frozen once a coupon exists ("copy as new" changes them); the
        answer is kept for the request (the page asks several times)."""
        if obj is None or obj.pk is None:
            return False
        cache = request.__dict__.setdefault("_promotion_frozen", {})
        if obj.pk not in cache:
            cache[obj.pk] = services.promotion_has_issued(obj)
        return cache[obj.pk]

    def _editable(self, request, obj):
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._frozen(request, obj):
            # the fields themselves too: a declared form field left in the form would post empty
            shown = tuple(LIST_DISPLAYS[f] for f in FROZEN_FIELDS if f in LIST_DISPLAYS)
            return self.base_readonly + FROZEN_FIELDS + shown
        return self.base_readonly

    def get_fieldsets(self, request, obj=None):
        editable = self._editable(request, obj)
        frozen = self._frozen(request, obj)
        fieldsets = []
        for name, options in self.fieldsets:
            fields = options["fields"]
            if not editable or frozen:
                # read-only code lists are shown by `_display` (names, not "-")
                fields = tuple(
                    LIST_DISPLAYS.get(f, f) if (not editable or f in FROZEN_FIELDS) else f
                    for f in fields
                )
            fieldsets.append((name, {**options, "fields": fields}))
            if "all_goods_yn" in options["fields"] and editable and not frozen:
                fieldsets.append(self.paste_fieldset)
        return fieldsets

    def _list_display_of(self, name, obj):
        return _display(Promotion._meta.get_field(name), getattr(obj, name))

    @admin.display(description=_("주문매체"))
    def ord_media_cds_display(self, obj):
        return self._list_display_of("ord_media_cds", obj)

    @admin.display(description=_("회원등급"))
    def grade_cds_display(self, obj):
        if not obj.grade_cds:
            return gettext("전체 등급")
        return self._list_display_of("grade_cds", obj)

    @admin.display(description=_("사용 요일"))
    def weekdays_display(self, obj):
        if not obj.weekdays:
            return gettext("모든 요일")
        return self._list_display_of("weekdays", obj)

    @admin.display(description=_("사이트"))
    def site_nos_display(self, obj):
        if not obj.site_nos:
            return gettext("전체 사이트")
        return self._list_display_of("site_nos", obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term[:1].upper() == "C" and term[1:].isdigit():
            return queryset.filter(promo_no=term.upper()), False
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("상태"), ordering="promo_stat_cd")
    def status_badge(self, obj):
        return badge(obj.promo_stat_cd, obj.get_promo_stat_cd_display())

    @admin.display(description=_("프로모션명 · 유형 · 발급방식"), ordering="promo_nm")
    def name_and_kind(self, obj):
        # the type and the method under the name: two columns fewer at 1280 px
        return format_html(
            '{}<div class="promo-kind">{} · {}</div>',
            obj.promo_nm,
            obj.get_promo_typ_cd_display(),
            obj.get_cpn_issu_way_cd_display(),
        )

    @admin.display(description=_("기간"), ordering="promo_str_dtm")
    def period(self, obj):
        # compact: dates in the cell (the end under the start when narrow), minutes in the tooltip
        start, end = timezone.localtime(obj.promo_str_dtm), timezone.localtime(obj.promo_end_dtm)
        full = "%Y-%m-%d %H:%M"
        return format_html(
            '<span class="period" title="{} ~ {}"><span class="nowrap">{} ~</span> '
            '<span class="nowrap">{}</span></span>',
            start.strftime(full),
            end.strftime(full),
            start.strftime("%y.%m.%d"),
            end.strftime("%y.%m.%d"),
        )

    @admin.display(description=_("발급/한도"))
    def issued_of_limit(self, obj):
        limit = gettext("무제한") if obj.issu_lmt_qty is None else f"{obj.issu_lmt_qty:,}"
        return format_html(
            '<span class="num">{} /</span> <span class="num">{}</span>', f"{obj.issu_qty:,}", limit
        )

    @admin.display(description=_("발급수량/한도"))
    def issued_count(self, obj):
        return self.issued_of_limit(obj)

    @admin.display(description=_("사용/예산"))
    def budget_of_used(self, obj):
        used = gettext("%(amount)s원") % {"amount": f"{obj.budget_used:,}"}
        if obj.budget_amt is None:
            return format_html(
                '<span class="money">{} /</span> <span class="nowrap">{}</span>',
                used,
                gettext("무제한"),
            )
        budget = gettext("%(amount)s원") % {"amount": f"{obj.budget_amt:,}"}
        # used and budget each on one line; the budget goes under the use when narrow
        return format_html(
            '<span class="money">{} /</span> <span class="money">{} ({}%)</span>',
            used,
            budget,
            obj.budget_burn,
        )

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
        won = gettext("%(amount)s원")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("주문금액"),
            _("할인액"),
            _("당사부담"),
            _("협력사부담"),
            format_html_join(
                "",
                '<tr><td class="money">{}</td><td class="money">{}</td>'
                '<td class="money">{}</td><td class="money">{}</td></tr>',
                (
                    tuple(
                        won % {"amount": f"{r[key]:,}"}
                        for key in ("order_value", "discount", "ours", "vendor")
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
            pasted = getattr(formset, "pasted", None) or []
            if formset.model is PromotionTarget and (formset.has_changed() or pasted):
                deleted = set(map(id, formset.deleted_forms))
                targets = [
                    f.cleaned_data
                    for f in formset.forms
                    if id(f) not in deleted
                    and getattr(f, "cleaned_data", None)
                    and f.cleaned_data.get("aply_typ_cd")
                    and f.cleaned_data.get("tgt_no")
                ] + pasted
                request._pasted_count = len(pasted)
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

    def _pasted_message(self, request):
        count = getattr(request, "_pasted_count", 0)
        if count:
            self.message_user(
                request,
                gettext("붙여 넣은 대상 %(count)s개를 적용/제외 대상에 더했습니다.")
                % {"count": f"{count:,}"},
                messages.SUCCESS,
            )

    def response_add(self, request, obj, post_url_continue=None):
        self._pasted_message(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        revision = getattr(request, "_promotion_revision", None)
        if revision is None:
            self._pasted_message(request)
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

    # -- the change page: the pending revision, the decisions, the frozen banner, mirrors ------
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
                extra_context["revision_url"] = reverse(
                    "admin:coupons_promotionrevision_change", args=[revision.pk]
                )
            extra_context.update(self._decision_context(request, promotion))
            frozen = self._frozen(request, promotion)
            extra_context["frozen"] = frozen
            if frozen:
                extra_context["frozen_issued"] = f"{promotion.issu_qty:,}"
                extra_context["can_copy"] = self.has_add_permission(request)
            extra_context["mirrors"] = mirrors_of(promotion)
            if can_view_report(request.user):
                # The cost report's figures for this promotion (SPEC §8), above the form.
                extra_context["report_figures"] = promotion_figures(promotion)
        return super().change_view(request, object_id, form_url, extra_context)

    def _decision_context(self, request, promotion):
        """Which status buttons the page offers this user: the list actions' permission and
        the service's allowed states; the last editor is told why there is no approve button."""
        if not self.has_approve_permission(request):
            return {"decisions": []}
        status = promotion.promo_stat_cd
        decisions = []
        self_edited = promotion.updated_by_id is not None and promotion.updated_by_id == (
            request.user.pk
        )
        if status in (codes.PromoStatus.DRAFT, codes.PromoStatus.SUSPENDED) and not self_edited:
            decisions.append(("approve", gettext("승인"), "default"))
        if status == codes.PromoStatus.APPROVED:
            decisions.append(("suspend", gettext("중지"), ""))
        if status != codes.PromoStatus.ENDED:
            decisions.append(("end", gettext("종료"), "deletelink-box"))
        return {
            "decisions": [
                (reverse("admin:coupons_promotion_decide", args=[promotion.pk, key]), label, css)
                for key, label, css in decisions
            ],
            "approve_blocked": status in (codes.PromoStatus.DRAFT, codes.PromoStatus.SUSPENDED)
            and self_edited,
        }

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "targets/autocomplete/",
                wrap(target_autocomplete),
                name="coupons_promotion_target_autocomplete",
            ),
            path(
                "<path:object_id>/revisions/<int:revision_id>/<str:decision>/",
                wrap(self.revision_decide_view),
                name="coupons_promotion_revision_decide",
            ),
            path(
                "<path:object_id>/decide/<str:decision>/",
                wrap(self.decide_view),
                name="coupons_promotion_decide",
            ),
            path("<path:object_id>/copy/", wrap(self.copy_view), name="coupons_promotion_copy"),
            *super().get_urls(),
        ]

    def _change_url(self, pk):
        return reverse("admin:coupons_promotion_change", args=[pk])

    def decide_view(self, request, object_id, decision):
        """POST: approve / suspend / end from the promotion's page, the list action's service
        and permission; the outcome as a message on the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        services_by_decision = {
            "approve": (services.promotion_approve, _("%(no)s을(를) 승인했습니다.")),
            "suspend": (services.promotion_suspend, _("%(no)s을(를) 중지했습니다.")),
            "end": (services.promotion_end, _("%(no)s을(를) 종료했습니다.")),
        }
        if decision not in services_by_decision or not object_id.isdigit():
            raise PermissionDenied
        if not self.has_approve_permission(request):
            raise PermissionDenied
        promotion = get_object_or_404(Promotion, pk=object_id)
        service, done = services_by_decision[decision]
        try:
            service(user=request.user, promotion=promotion)
        except DomainError as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
        else:
            self.message_user(request, done % {"no": promotion.promo_no}, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(promotion.pk))

    def copy_view(self, request, object_id):
        """POST: "copy as new" from the page; goes to the copy, whose message links both."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not object_id.isdigit() or not self.has_add_permission(request):
            raise PermissionDenied
        promotion = get_object_or_404(Promotion, pk=object_id)
        copy = services.promotion_copy(user=request.user, promotion=promotion)
        self.message_user(request, self._copied_message(promotion, copy), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(copy.pk))

    def _copied_message(self, promotion, copy):
        return format_html(
            gettext(
                "{}을(를) {}(으)로 복사했습니다. 복사본은 작성중 상태이니 조건을 고친 뒤 승인을 받으세요."
            ),
            format_html('<a href="{}">{}</a>', self._change_url(promotion.pk), promotion.promo_no),
            format_html(
                '<a href="{}" class="copy-link">{}</a>', self._change_url(copy.pk), copy.promo_no
            ),
        )

    def revision_decide_view(self, request, object_id, revision_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("approve", "reject") or not object_id.isdigit():
            raise PermissionDenied
        if not self.has_approve_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(PromotionRevision, pk=revision_id, promotion_id=object_id)
        change_url = self._change_url(revision.promotion_id)
        if request.POST.get("next") == "revision":
            change_url = reverse("admin:coupons_promotionrevision_change", args=[revision.pk])
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
            self.message_user(request, refusal_text(exc), messages.ERROR)
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
                self.message_user(
                    request, f"{promotion.promo_no}: {refusal_text(exc)}", messages.ERROR
                )
            except ValidationError as exc:
                self.message_user(
                    request, f"{promotion.promo_no}: {' '.join(exc.messages)}", messages.ERROR
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
            self.message_user(request, self._copied_message(promotion, copy), messages.SUCCESS)


@admin.register(PromotionRevision)
class PromotionRevisionAdmin(admin.ModelAdmin):
    """The revisions of approved promotions (rule 10): a list that fits, and a page per revision
    with its old → new rows and, for whoever may, approve / reject (the promotion admin's view and
    services). Read-only: a revision is written by editing its promotion."""

    list_display = (
        "revision_no",
        "promotion_link",
        "status_badge",
        "author",
        "changed_fields",
        "created",
        "decided_by",
        "decided",
    )
    list_filter = ("status",)
    list_select_related = ("promotion", "author", "decided_by")
    search_fields = ("=promotion__promo_no",)
    search_help_text = _("프로모션번호로 검색")
    ordering = ("-id",)
    show_full_result_count = False
    change_form_template = "admin/coupons/promotionrevision/change_form.html"
    fields = (
        "promotion_link",
        "status_badge",
        "author",
        "created_at",
        "updated_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields

    class Media:
        css = {"all": (ADMIN_CSS,)}

    def has_view_permission(self, request, obj=None):
        # whoever may view promotions may view their revisions
        return request.user.has_perm("coupons.view_promotion") or super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        return queryset.filter(promotion__promo_no=term), False

    @admin.display(description=_("번호"), ordering="id")
    def revision_no(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("프로모션"), ordering="promotion__promo_no")
    def promotion_link(self, obj):
        return format_html(
            '<a href="{}" class="nowrap">{}</a> {}',
            reverse("admin:coupons_promotion_change", args=[obj.promotion_id]),
            obj.promotion.promo_no,
            obj.promotion.promo_nm,
        )

    @admin.display(description=_("상태"), ordering="status")
    def status_badge(self, obj):
        return badge(obj.status, obj.get_status_display())

    @admin.display(description=_("변경 항목"))
    def changed_fields(self, obj):
        labels = [str(Promotion._meta.get_field(f).verbose_name) for f in obj.changes]
        if obj.targets is not None:
            labels.append(gettext("적용/제외 대상"))
        return ", ".join(labels) or "-"

    @admin.display(description=_("작성일시"), ordering="created_at")
    def created(self, obj):
        return _compact(obj.created_at)

    @admin.display(description=_("처리일시"), ordering="decided_at")
    def decided(self, obj):
        return _compact(obj.decided_at)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        revision = self.get_object(request, object_id)
        if revision is not None:
            promotion_admin = self.admin_site._registry[Promotion]
            pending = revision.status == PromotionRevision.Status.PENDING
            extra_context.update(
                revision=revision,
                revision_rows=revision_rows(revision),
                revision_is_author=revision.author_id == request.user.pk,
                revision_can_decide=pending and promotion_admin.has_approve_permission(request),
                revision_pending=pending,
                title=gettext("%(promo)s의 수정안 #%(no)s")
                % {"promo": revision.promotion.promo_no, "no": revision.pk},
                subtitle=None,  # not the row's str ("21 #2 PENDING")
            )
        return super().change_view(request, object_id, form_url, extra_context)


def _compact(value) -> str:
    if value is None:
        return "-"
    return format_html(
        '<span class="nowrap" title="{}">{}</span>',
        timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S"),
        timezone.localtime(value).strftime("%y.%m.%d %H:%M"),
    )
