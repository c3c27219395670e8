"""Admin for ESM seller discounts (판매자할인) on Gmarket and Auction.

Every rule is checked on save with a field error: the one-row rules by the model, the 70 % rule
against the price ESM gives for each site with a fixed amount (the prices used and when they were
read are shown). Actions and change-page buttons each call one service — register / modify,
release, read into ours, compare — and a page takes goods numbers pasted many at once and sends
them as ONE job whose per-goods outcomes have their own page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.jobs import registry as job_registry
from backoffice.jobs.models import Job
from backoffice.paste import PastedNumbersField, check_known
from coupons.errors import DomainError
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

from . import rules
from . import seller_discounts as sd
from .admin_bulk import bulk_job_page
from .models import EsmSellerDiscount

job_registry.describe(
    sd.TARGET_ESM_SELLER_DISCOUNT,
    label=_("ESM 판매자할인 상품"),
    operations={
        "push": _("ESM에 등록/수정"),
        "release": _("ESM에서 해제"),
        "pull": _("ESM과 차이 확인"),
        "read": _("ESM에서 읽어 오기"),
    },
)
job_registry.describe(
    sd.TARGET_ESM_SELLER_DISCOUNT_BULK,
    label=_("ESM 판매자할인 일괄 전송"),
    operations={"push": _("ESM에 일괄 등록/수정")},
)

SITE_FIELDS = {site: [f"{site}_{name}" for name in sd.SITE_FIELDS] for site in rules.SITES}
Remote = EsmSellerDiscount.RemoteState


class EsmSellerDiscountForm(forms.ModelForm):
    class Meta:
        model = EsmSellerDiscount
        fields = ["goods_no", "is_use", *SITE_FIELDS["gmkt"], *SITE_FIELDS["iac"], "promotion"]

    def _post_clean(self):
        super()._post_clean()  # the model's one-row rules and constraints
        if self.errors:
            return  # nothing is sent to ESM while a local rule fails
        try:
            sd.esm_seller_discount_check_price(discount=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class DiscountBulkPasteForm(forms.Form):
    """Goods numbers pasted many at once: their seller discounts go to ESM as one job."""

    goods_nos = PastedNumbersField(label=_("ESM 마스터상품번호"), max_count=sd.BULK_MAX_GOODS)

    def clean_goods_nos(self):
        numbers = self.cleaned_data["goods_nos"]
        known = EsmSellerDiscount.objects.filter(goods_no__in=[str(n) for n in numbers])
        check_known(
            numbers,
            (int(g) for g in known.values_list("goods_no", flat=True) if g.isdigit()),
            what=gettext("상품번호"),
        )
        return numbers


def _site_text(obj: EsmSellerDiscount, site: str) -> str:
    """One site's discount in words: "1,000원 + 500원 · 2026-12-01 ~ 2026-12-31"."""
    kind = getattr(obj, f"{site}_type")
    if not kind:
        return gettext("할인 없음")
    values = [getattr(obj, f"{site}_price_or_rate{n}") for n in (1, 2)]
    shown = [won(v) if kind == rules.TYPE_AMOUNT else f"{v}%" for v in values if v is not None]
    start, end = getattr(obj, f"{site}_start_date"), getattr(obj, f"{site}_end_date")
    return f"{' + '.join(shown)} · {start:%Y-%m-%d} ~ {end:%Y-%m-%d}"


def _show(difference: dict, side: str) -> str:
    value = difference[side]
    if value is None:
        return "-"
    if isinstance(value, bool):
        return gettext("사용") if value else gettext("사용 안 함")
    if difference["field"].endswith(".type"):
        return f"{value} {EsmSellerDiscount.Type(value).label}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _registered(obj) -> bool:
    return obj.remote_state == Remote.REGISTERED


@admin.register(EsmSellerDiscount)
class EsmSellerDiscountAdmin(SyncedObjectAdmin):
    form = EsmSellerDiscountForm
    change_list_template = "admin/marketplaces/esm_discount_change_list.html"
    error_css_class = "esm-error"
    sync_status_fields = ("local_state", "remote_state")
    synced_at_fields = ("pushed_at", "remote_read_at")
    raw_id_fields = ["promotion"]
    list_display = [
        "goods_no",
        "is_use",
        "gmkt_display",
        "iac_display",
        "promotion_link",
        "local_state_badge",
        "remote_state_badge",
        "pushed_at_display",
        "error_summary",
    ]
    list_filter = ["local_state", "remote_state", "is_use", "gmkt_type", "iac_type"]
    list_select_related = ["promotion"]
    search_fields = ["=goods_no"]
    show_full_result_count = False
    actions = ["push_to_esm", "bulk_push_to_esm", "release_on_esm", "read_from_esm", "compare"]
    status_fields = [
        "local_state",
        "remote_state",
        "last_error_display",
        "pushed_at",
        "remote_read_at",
        "differences_display",
        "remote_payload_display",
        "pushed_payload_display",
        "sync_history",
    ]
    fieldsets = [
        (_("상품"), {"fields": ["goods_no", "is_use", "promotion", "promotion_link"]}),
        (_("G마켓 판매자할인"), {"fields": [*SITE_FIELDS["gmkt"]]}),
        (_("옥션 판매자할인"), {"fields": [*SITE_FIELDS["iac"]]}),
        (_("70% 규칙에 쓴 판매가"), {"fields": ["price_display"]}),
        (_("ESM 동기화"), {"fields": status_fields}),
    ]

    def get_readonly_fields(self, request, obj=None):
        key = ["goods_no"] if obj else []  # ESM's key: a new goods is a new row
        return [*key, "promotion_link", "price_display", *self.status_fields]

    def get_fieldsets(self, request, obj=None):
        if obj:
            return self.fieldsets
        # a new discount: its key and values, not yet the read-only link beside the picker
        (title, options), *sites = self.fieldsets[:3]
        fields = [f for f in options["fields"] if f != "promotion_link"]
        return [(title, {**options, "fields": fields}), *sites]

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would leave the discount live on ESM with nobody to see it.
        if obj is not None and obj.remote_state != Remote.NOT_REGISTERED:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # per row only, where ESM holds nothing
        return actions

    def save_model(self, request, obj, form, change):
        sd.esm_seller_discount_save(discount=obj, user=request.user, price_checked=True)

    # --- display ---------------------------------------------------------------------------------
    local_state_badge = badge_display("local_state", _("처리 상태"))
    remote_state_badge = badge_display("remote_state", _("ESM 상태"))
    pushed_at_display = when_display("pushed_at", _("마지막 전송"))

    @admin.display(description=_("G마켓"), ordering="gmkt_type")
    def gmkt_display(self, obj):
        return format_html('<span class="mk-nowrap">{}</span>', _site_text(obj, "gmkt"))

    @admin.display(description=_("옥션"), ordering="iac_type")
    def iac_display(self, obj):
        return format_html('<span class="mk-nowrap">{}</span>', _site_text(obj, "iac"))

    @admin.display(description=_("같은 혜택의 몰 프로모션"))
    def promotion_link(self, obj):
        return mall_promotion_link(obj)

    @admin.display(description=_("70% 규칙에 쓴 판매가"))
    def price_display(self, obj):
        if obj is None or obj.price_read_at is None:
            return _(
                "아직 조회하지 않았습니다 (정액 할인을 저장하거나 전송할 때 ESM에서 조회합니다)."
            )
        return format_html_join(
            " · ",
            "{}: <strong>{}</strong> ({}: {}) ",
            (
                (
                    gettext("%(site)s 판매가") % {"site": rules.site_label(site)},
                    won(obj.price_of(site)),
                    gettext("정액 한도(70%)"),
                    won(obj.ceiling_of(site)),
                )
                for site in rules.SITES
            ),
        ) + format_html(
            "<br>{}", gettext("%(at)s 조회") % {"at": rules.read_at_text(obj.price_read_at)}
        )

    @admin.display(description=_("로컬과 ESM의 차이"))
    def differences_display(self, obj):
        if not obj.remote_read_at:
            return _("ESM에서 조회한 적이 없습니다.")
        rows = sd.esm_seller_discount_differences(obj)
        at = rules.read_at_text(obj.remote_read_at)
        if not rows:
            return _("차이 없음 (%(at)s 조회 기준)") % {"at": at}
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r["label"], _show(r, "local"), _show(r, "remote")) for r in rows),
        )
        return format_html(
            '<table class="esm-differences"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table><p>{}</p>",
            gettext("항목"),
            gettext("로컬"),
            gettext("ESM"),
            body,
            gettext("%(at)s 조회 기준") % {"at": at},
        )

    remote_payload_display = json_display("remote_payload", _("ESM 마지막 조회 내용"))
    pushed_payload_display = json_display("pushed_payload", _("마지막 전송 내용"))

    def sync_target(self, obj):
        bulk = Q(
            target_type=sd.TARGET_ESM_SELLER_DISCOUNT_BULK,
            path__contains=f"/goods/{obj.goods_no}/",
        )
        return sd.TARGET_ESM_SELLER_DISCOUNT, obj.goods_no, bulk

    # --- reporting a job ---------------------------------------------------------------------
    def report(self, request, label: str, job: Job) -> None:
        """One message per job at its level; a comparison that found differences lists them,
        a read lists what it took from ESM."""
        job.refresh_from_db()
        result = (job.result or {}) if job.status == Job.Status.SUCCEEDED else {}
        listed = result.get("differences") or result.get("adopted")
        if not listed:
            report_job(
                self, request, label, job, queued_note=_("결과는 이 화면의 상태에 표시됩니다.")
            )
            return
        text = "; ".join(
            f"{d['label']}: {_show(d, 'local')} → ESM {_show(d, 'remote')}" for d in listed
        )
        if "differences" in result:
            message, level = (
                _("%(label)s: ESM과 다른 값이 있습니다 (작업 #%(id)s) — %(diff)s"),
                (messages.WARNING),
            )
        else:
            message, level = (
                _("%(label)s: ESM의 값을 가져왔습니다 (작업 #%(id)s) — %(diff)s"),
                (messages.SUCCESS),
            )
        self.message_user(request, message % {"label": label, "id": job.pk, "diff": text}, level)

    def refusal_text(self, label, obj, exc) -> str:
        return f"{label} — {obj}: {error_text(exc)}"

    # --- actions -------------------------------------------------------------------------------
    push_to_esm = job_action(
        sd.esm_seller_discount_push,
        key="discount",
        description=_("ESM에 등록/수정"),
    )
    release_on_esm = job_action(
        sd.esm_seller_discount_release,
        key="discount",
        description=_("ESM에서 해제"),
    )
    read_from_esm = job_action(
        sd.esm_seller_discount_read,
        key="discount",
        description=_("ESM에서 읽어 오기 (ESM의 값으로 바꿈)"),
        label=_("ESM에서 읽어 오기"),
    )
    compare = job_action(
        sd.esm_seller_discount_pull,
        key="discount",
        description=_("ESM과 차이 확인"),
    )

    @admin.action(description=_("ESM에 일괄 등록/수정 (하나의 작업)"), permissions=["change"])
    def bulk_push_to_esm(self, request, queryset):
        try:
            job = sd.esm_seller_discounts_push_bulk(
                discounts=queryset.order_by("goods_no"), user=request.user
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _("일괄 전송: %s") % error_text(exc), messages.ERROR)
            return None
        return HttpResponseRedirect(self._bulk_job_url(job))

    def _bulk_job_url(self, job: Job) -> str:
        return reverse("admin:marketplaces_esmsellerdiscount_bulk_job", args=[job.pk])

    # --- change-page buttons, the paste page and the bulk job page ---------------------------
    object_operations = (
        ObjectOperation(
            name="push",
            label=lambda obj: _("ESM에 수정 전송") if _registered(obj) else _("ESM에 등록"),
            service=sd.esm_seller_discount_push,
            key="discount",
        ),
        ObjectOperation(
            name="pull",
            label=_("ESM과 차이 확인"),
            service=sd.esm_seller_discount_pull,
            key="discount",
        ),
        ObjectOperation(
            name="read",
            label=_("ESM에서 읽어 오기"),
            service=sd.esm_seller_discount_read,
            key="discount",
            confirm=_("이 화면의 할인 값을 ESM의 값으로 바꿀까요?"),
        ),
        ObjectOperation(
            name="release",
            label=_("ESM에서 해제"),
            service=sd.esm_seller_discount_release,
            key="discount",
            shown=lambda obj: obj.remote_state != Remote.NOT_REGISTERED,
            confirm=_("ESM에서 판매자할인을 해제할까요?"),
        ),
    )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        wrap = self.admin_site.admin_view
        return [
            path("bulk-jobs/<int:job_id>/", wrap(self.bulk_job_view), name="%s_%s_bulk_job" % info),
            path("bulk-push/", wrap(self.bulk_paste_view), name="%s_%s_bulk_paste" % info),
            *super().get_urls(),
        ]

    def bulk_paste_view(self, request):
        """Paste goods numbers; every one must have a seller discount here (each unknown one is
        named) and then all of them go to ESM as one bulk job, or none does."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = DiscountBulkPasteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            numbers = [str(n) for n in form.cleaned_data["goods_nos"]]
            rows = EsmSellerDiscount.objects.in_bulk(numbers, field_name="goods_no")
            try:
                job = sd.esm_seller_discounts_push_bulk(
                    discounts=[rows[n] for n in numbers], user=request.user
                )
            except (DomainError, ValidationError) as exc:
                form.add_error("goods_nos", error_text(exc))
            else:
                self.message_user(
                    request,
                    _("일괄 전송 작업 #%(id)s을(를) 등록했습니다 (상품 %(n)s개).")
                    % {"id": job.pk, "n": f"{len(numbers):,}"},
                    messages.INFO,
                )
                return HttpResponseRedirect(self._bulk_job_url(job))
        return TemplateResponse(
            request,
            "admin/marketplaces/esm_discount_bulk_paste.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("상품번호를 붙여 넣어 판매자할인을 ESM에 일괄 전송"),
                "form": form,
                "media": self.media + form.media,
            },
        )

    def bulk_job_view(self, request, job_id):
        return bulk_job_page(
            self,
            request,
            job_id,
            target_type=sd.TARGET_ESM_SELLER_DISCOUNT_BULK,
            title=_("ESM 판매자할인 일괄 전송 작업 #%(id)s") % {"id": job_id},
        )
