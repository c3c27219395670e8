"""Admin for ESM (Gmarket 후원쇼핑 / Auction 나눔쇼핑) sponsorship settings.

Every rule is checked on save with a field error: the one-row rules by the model, the 80 % rule
against the Gmarket price ESM gives (the price used and when it was read are shown). Actions and
change-page buttons each call one service: push, release, pull, and a bulk push of many goods as
one job whose progress and per-goods outcomes have their own page.
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
    report_job,
    when_display,
    won_display,
)

from . import rules
from . import services as esm
from .admin_bulk import bulk_job_page
from .models import EsmSponsorship

GMARKET_FIELDS = [
    "gmkt_is_use",
    "gmkt_amount",
    "gmkt_max_amount",
    "gmkt_field",
    "gmkt_start_date",
    "gmkt_end_date",
]
AUCTION_FIELDS = ["iac_is_use", "iac_start_date", "iac_end_date"]


class EsmSponsorshipForm(forms.ModelForm):
    # A number from the list; one outside 1–6 is refused by the rule (`rules.field_in_range`).
    gmkt_field = forms.IntegerField(
        label=EsmSponsorship._meta.get_field("gmkt_field").verbose_name,
        required=False,
        widget=forms.Select(choices=[("", "---------"), *EsmSponsorship.Field.choices]),
    )

    class Meta:
        model = EsmSponsorship
        fields = ["goods_no", *GMARKET_FIELDS, *AUCTION_FIELDS]

    def _post_clean(self):
        super()._post_clean()  # the model's one-row rules and constraints
        if self.errors:
            return  # nothing is sent to ESM while a local rule fails
        try:
            esm.esm_sponsorship_check_price(sponsorship=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class BulkPasteForm(forms.Form):
    """Goods numbers pasted many at once: the settings of those goods go to ESM as one job."""

    goods_nos = PastedNumbersField(label=_("ESM 마스터상품번호"), max_count=esm.BULK_MAX_GOODS)

    def clean_goods_nos(self):
        numbers = self.cleaned_data["goods_nos"]
        known = EsmSponsorship.objects.filter(goods_no__in=[str(n) for n in numbers])
        check_known(
            numbers,
            (int(g) for g in known.values_list("goods_no", flat=True) if g.isdigit()),
            what=gettext("상품번호"),
        )
        return numbers


@admin.register(EsmSponsorship)
class EsmSponsorshipAdmin(SyncedObjectAdmin):
    form = EsmSponsorshipForm
    change_list_template = "admin/marketplaces/esm_sponsorship_change_list.html"
    change_form_template = "admin/marketplaces/esm_sponsorship_change_form.html"
    error_css_class = "esm-error"
    sync_status_fields = ("local_state", "remote_state")
    synced_at_fields = ("pushed_at", "remote_read_at")
    list_display = [
        "goods_no",
        "gmkt_is_use",
        "gmkt_amount_display",
        "gmkt_field",
        "iac_is_use",
        "local_state_badge",
        "remote_state_badge",
        "pushed_at_display",
        "error_summary",
    ]
    list_filter = ["local_state", "remote_state", "gmkt_is_use", "iac_is_use"]
    search_fields = ["=goods_no"]
    show_full_result_count = False
    actions = ["push_to_esm", "bulk_push_to_esm", "release_on_esm", "pull_from_esm"]
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
        (_("상품"), {"fields": ["goods_no"]}),
        (_("G마켓 후원쇼핑"), {"fields": [*GMARKET_FIELDS, "price_display"]}),
        (_("옥션 나눔쇼핑"), {"fields": AUCTION_FIELDS}),
        (_("ESM 동기화"), {"fields": status_fields}),
    ]

    def get_readonly_fields(self, request, obj=None):
        key = ["goods_no"] if obj else []  # ESM's key: a new goods is a new row
        return [*key, "price_display", *self.status_fields]

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.fieldsets[:3]

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would leave the settings live on ESM with nobody to see them.
        if obj is not None and obj.remote_state != EsmSponsorship.RemoteState.NOT_REGISTERED:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # per row only, where ESM holds nothing
        return actions

    def save_model(self, request, obj, form, change):
        esm.esm_sponsorship_save(sponsorship=obj, user=request.user, price_checked=True)

    # --- display ---------------------------------------------------------------------------------
    gmkt_amount_display = won_display("gmkt_amount", _("후원금액"))
    local_state_badge = badge_display("local_state", _("처리 상태"))
    remote_state_badge = badge_display("remote_state", _("ESM 상태"))
    pushed_at_display = when_display("pushed_at", _("마지막 전송"))

    @admin.display(description=_("80% 규칙에 쓴 판매가"))
    def price_display(self, obj):
        if obj is None or obj.price_read_at is None:
            return _("아직 조회하지 않았습니다 (저장하거나 전송할 때 ESM에서 조회합니다).")
        return format_html(
            "{}: <strong>{}원</strong> ({} {}) · {}: <strong>{}원</strong>",
            _("G마켓 판매가"),
            f"{obj.price_gmkt:,}" if obj.price_gmkt is not None else "-",
            rules.read_at_text(obj.price_read_at),
            _("조회"),
            _("후원금액 한도(80%)"),
            f"{obj.amount_ceiling:,}" if obj.amount_ceiling is not None else "-",
        )

    @admin.display(description=_("로컬과 ESM의 차이"))
    def differences_display(self, obj):
        if not obj.remote_read_at:
            return _("ESM에서 조회한 적이 없습니다.")
        rows = esm.esm_sponsorship_differences(obj)
        if not rows:
            return _("차이 없음 (%(at)s 조회 기준)") % {
                "at": rules.read_at_text(obj.remote_read_at)
            }
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r["label"], _show_side(r, "local"), _show_side(r, "remote")) for r in rows),
        )
        return format_html(
            '<table class="esm-differences"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table><p>{}</p>",
            _("항목"),
            _("로컬"),
            _("ESM"),
            body,
            _("%(at)s 조회 기준") % {"at": rules.read_at_text(obj.remote_read_at)},
        )

    remote_payload_display = json_display("remote_payload", _("ESM 마지막 조회 내용"))
    pushed_payload_display = json_display("pushed_payload", _("마지막 전송 내용"))

    def sync_target(self, obj):
        bulk = Q(target_type=esm.TARGET_ESM_BULK, path__contains=f"/goods/{obj.goods_no}/")
        return esm.TARGET_ESM_SPONSORSHIP, obj.goods_no, bulk

    # --- reporting a job ---------------------------------------------------------------------
    def report(self, request, label: str, job: Job) -> None:
        """One message per job at its level, with ESM's own words when it refused, and the
        differences when a pull found some."""
        job.refresh_from_db()
        differences = (
            (job.result or {}).get("differences") if job.status == Job.Status.SUCCEEDED else None
        )
        if not differences:
            report_job(
                self,
                request,
                label,
                job,
                queued_note=_("결과는 이 화면의 동기화 기록에 표시됩니다."),
            )
            return
        listed = "; ".join(
            f"{d['label']}: {_show_side(d, 'local')} → ESM {_show_side(d, 'remote')}"
            for d in differences
        )
        self.message_user(
            request,
            _("%(label)s: ESM과 다른 값이 있습니다 (작업 #%(id)s) — %(diff)s")
            % {"label": label, "id": job.pk, "diff": listed},
            messages.WARNING,
        )

    def refusal_text(self, label, obj, exc) -> str:
        return f"{label} — {obj}: {error_text(exc)}"

    # --- actions -------------------------------------------------------------------------------
    push_to_esm = job_action(
        esm.esm_sponsorship_push,
        key="sponsorship",
        description=_("ESM에 전송 (처음은 등록, 이후 수정)"),
        label=_("ESM에 전송"),
    )
    release_on_esm = job_action(
        esm.esm_sponsorship_release,
        key="sponsorship",
        description=_("ESM에서 해제"),
    )
    pull_from_esm = job_action(
        esm.esm_sponsorship_pull,
        key="sponsorship",
        description=_("ESM에서 조회 (차이 비교)"),
        label=_("ESM에서 조회"),
    )

    @admin.action(description=_("ESM에 일괄 전송 (하나의 작업)"), permissions=["change"])
    def bulk_push_to_esm(self, request, queryset):
        try:
            job = esm.esm_sponsorships_push_bulk(
                sponsorships=queryset.order_by("goods_no"), user=request.user
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, _("일괄 전송: %s") % error_text(exc), messages.ERROR)
            return None
        job.refresh_from_db()
        result = job.result or {}
        url = reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk])
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "일괄 전송 작업 #%(id)s: %(status)s — 상품 %(total)s개 중 성공 %(ok)s, 실패 %(failed)s."
                )
                % {
                    "id": job.pk,
                    "status": job.get_status_display(),
                    "total": job.progress_total,
                    "ok": result.get("succeeded", 0),
                    "failed": result.get("failed", 0),
                },
                url,
                _("진행 상황과 상품별 결과 보기"),
            ),
            messages.ERROR
            if job.status in (Job.Status.FAILED, Job.Status.DEAD)
            else messages.SUCCESS
            if job.status == Job.Status.SUCCEEDED
            else messages.INFO,
        )
        return None

    # --- change-page buttons and the bulk job page -------------------------------------------
    object_operations = (
        ObjectOperation(
            name="push",
            label=lambda obj: (
                _("ESM에 수정 전송")
                if obj.remote_state == EsmSponsorship.RemoteState.REGISTERED
                else _("ESM에 등록")
            ),
            service=esm.esm_sponsorship_push,
            key="sponsorship",
        ),
        ObjectOperation(
            name="pull",
            label=_("ESM에서 조회"),
            service=esm.esm_sponsorship_pull,
            key="sponsorship",
        ),
        ObjectOperation(
            name="release",
            label=_("ESM에서 해제"),
            service=esm.esm_sponsorship_release,
            key="sponsorship",
            shown=lambda obj: obj.remote_state != EsmSponsorship.RemoteState.NOT_REGISTERED,
            confirm=_("ESM에서 후원/나눔쇼핑 설정을 해제할까요?"),
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

    def changelist_view(self, request, extra_context=None):
        extra = {"can_bulk_paste": self.has_change_permission(request), **(extra_context or {})}
        # the base keeps the list wide (no app menu)
        return super().changelist_view(request, extra_context=extra)

    def bulk_paste_view(self, request):
        """Paste goods numbers; every one must have settings here (each unknown one is named)
        and then all of them go to ESM as one bulk job, or none does."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BulkPasteForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            numbers = [str(n) for n in form.cleaned_data["goods_nos"]]
            try:
                job = esm.esm_sponsorships_push_bulk(
                    sponsorships=EsmSponsorship.objects.filter(goods_no__in=numbers).order_by(
                        "goods_no"
                    ),
                    user=request.user,
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
                return HttpResponseRedirect(
                    reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk])
                )
        return TemplateResponse(
            request,
            "admin/marketplaces/esm_bulk_paste.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("상품번호를 붙여 넣어 ESM에 일괄 전송"),
                "form": form,
                "media": self.media + form.media,
            },
        )

    def bulk_job_view(self, request, job_id):
        return bulk_job_page(
            self,
            request,
            job_id,
            target_type=esm.TARGET_ESM_BULK,
            title=_("ESM 일괄 전송 작업 #%(id)s") % {"id": job_id},
        )


def _show(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _("사용") if value else _("사용 안 함")
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _show_side(difference: dict, side: str):
    value = difference[side]
    if difference["field"] == "gmarket.field" and value is not None:
        return f"{value} {EsmSponsorship.Field(value).label}"
    return _show(value)


from . import admin_discount  # noqa: E402,F401  (seller discounts register their admin)
