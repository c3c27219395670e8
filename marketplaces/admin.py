"""Admin pieces every marketplace uses, the HTTP exchange log, and jobs shown with their exchanges.

Each marketplace's own admin is its package's `admin.py` (found by admin autodiscovery). What the
base `SyncedObjectAdmin` gives every marketplace object's admin:

- a status panel on the change page (status, last job and its state, last error in words, last
  synced) served as an HTML fragment by `<pk>/status/` and refreshed by `sync_status.js` while a
  job is queued or running;
- change-page buttons for `object_operations` (one service call each), posted to
  `<pk>/operation/<name>/`;
- JSON kept from or sent to the marketplace collapsed behind a toggle (`json_display`);
- errors in the marketplace's own words, never a Python class name (`error_text`);
- list helpers: status badges, compact dates, money with thousands separators and 원.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.jobs import registry as job_registry
from backoffice.jobs.admin import JobAdmin
from backoffice.jobs.admin import report_job as report_job_outcome
from backoffice.jobs.models import Job
from coupons.errors import DomainError

from . import admin_desk  # noqa: F401  (registers the desk's marketplace panel)
from .coupang.services import TARGET_COUPANG_COUPON
from .esm.services import TARGET_ESM_BULK, TARGET_ESM_SPONSORSHIP
from .models import HttpExchange

# --- the words people read for marketplace jobs ------------------------------------------------
job_registry.describe(
    TARGET_COUPANG_COUPON,
    label=_("쿠팡 다운로드 쿠폰"),
    operations={
        "push": _("쿠팡에 등록"),
        "expire": _("쿠팡에서 만료"),
        "refresh": _("쿠팡에서 새로 읽기"),
        "replace": _("옵션 교체"),
    },
)
job_registry.describe(
    TARGET_ESM_SPONSORSHIP,
    label=_("ESM 후원쇼핑 상품"),
    operations={
        "push": _("ESM에 전송"),
        "release": _("ESM에서 해제"),
        "pull": _("ESM에서 조회"),
    },
)
job_registry.describe(
    TARGET_ESM_BULK, label=_("ESM 일괄 전송"), operations={"push": _("ESM에 일괄 전송")}
)


# --- errors in words ---------------------------------------------------------------------------
# "FinalError: …", "marketplaces.http.RetryableError: …": a Python class name before the words.
_CLASS_PREFIX = re.compile(r"^\s*(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Refusal|Retired)\s*:\s*")


def plain_error(text: str) -> str:
    """`text` without the Python class names an error's string may start with."""
    text = text or ""
    while True:
        stripped = _CLASS_PREFIX.sub("", text, count=1)
        if stripped == text:
            return text.strip()
        text = stripped


def error_text(exc: Exception) -> str:
    """A refusal as one line for an admin message: the marketplace's (or the rule's) own words,
    never a Python class name."""
    if isinstance(exc, ValidationError):
        return " ".join(plain_error(str(m)) for m in exc.messages)
    return plain_error(getattr(exc, "message", "") or str(exc))


def short_text(text: str, limit: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Codes marketplaces answer with, shown with their names.
CODE_NAMES = {
    "1000": _("업무 규칙 위반"),
    "3000": _("잘못된 요청"),
    "CIR14": _("다른 쿠폰에 이미 등록된 옵션"),
    "ERROR": _("오류"),
}


job_registry.describe_codes({c: n for c, n in CODE_NAMES.items() if not c.isdigit()})


def code_with_name(code) -> str:
    """`code` followed by its name when we know it: "1000 (업무 규칙 위반)"."""
    name = CODE_NAMES.get(str(code))
    return f"{code} ({name})" if name else str(code)


def _parsed(value):
    if isinstance(value, (bytes, str)):
        try:
            return json.loads(value) if value else None
        except ValueError:
            return None
    return value


def marketplace_message(data) -> str:
    """The marketplace's own message in an answer body (Coupang's `errorMessage` / `message`,
    ESM's `message` / `Message` / `status.message`), with its code's name; "" when none."""
    data = _parsed(data)
    if isinstance(data, list):  # Coupang's per-entry results
        texts = [marketplace_message(entry) for entry in data if isinstance(entry, dict)]
        return "; ".join(t for t in texts if t)
    if not isinstance(data, dict):
        return ""
    message = ""
    for key in ("errorMessage", "message", "Message"):
        if data.get(key) and isinstance(data[key], str):
            message = data[key]
            break
    if not message and isinstance(data.get("status"), dict):
        message = str(data["status"].get("message") or "")
    if not message:
        return ""
    code = next(
        (
            data[k]
            for k in ("errorCode", "resultCode", "ResultCode")
            if data.get(k) not in (None, "")
        ),
        None,
    )
    return f"{message} — {code_with_name(code)}" if code is not None else message


def exchange_message(exchange: HttpExchange) -> str:
    """What an HTTP exchange says to a person: the marketplace's message first, then our error in
    words; "" for a plain success."""
    said = marketplace_message(exchange.response_body) if (exchange.status_code or 0) >= 400 else ""
    return said or plain_error(exchange.error)


# --- display helpers -----------------------------------------------------------------------------
def mall_promotion_link(obj) -> str:
    """A link to the mall promotion a marketplace promotion mirrors (its `promotion`), or "-"."""
    if obj is None or not obj.promotion_id:
        return "-"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:coupons_promotion_change", args=[obj.promotion_id]),
        obj.promotion,
    )


def json_block(value, *, summary=None, open_: bool = False):
    """JSON kept from or sent to a marketplace, pretty-printed and collapsed behind a toggle."""
    data = _parsed(value) if isinstance(value, (bytes, str)) else value
    if not value:
        return "-"
    if data is None:  # not JSON: shown as it is
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2)
    lines = text.count("\n") + 1
    return format_html(
        '<details class="mk-json"{}><summary>{} <span class="mk-muted">({})</span></summary>'
        "<pre>{}</pre></details>",
        " open" if open_ else "",
        summary or gettext("펼쳐 보기"),
        gettext("%(n)s줄") % {"n": f"{lines:,}"},
        text,
    )


def json_display(field: str, description, *, summary=None):
    """A read-only change-page field showing the JSON in `field`, collapsed behind a toggle."""

    @admin.display(description=description)
    def display(modeladmin, obj):
        return json_block(getattr(obj, field), summary=summary)

    return display


# Status values and the badge colour they take; a marketplace may add its own.
BADGE_KINDS = {
    "ok": {"PUSHED", "SUCCEEDED", "REGISTERED", "APPLIED", "DONE", "SUCCESS", "OK", "SYNCED"},
    "run": {
        "QUEUED",
        "PENDING",
        "RUNNING",
        "REQUESTED",
        "EXPIRING",
        "PAUSING",
        "STANDBY",
        "RELEASING",
    },
    "warn": {"NEEDS_RECONCILE", "UNKNOWN", "RETRY", "DIFFERS", "PAUSED"},
    "err": {"FAILED", "DEAD", "DESTROYED", "DETACHED", "FAIL"},
}


def badge_kind(value) -> str:
    value = str(value or "")
    return next((kind for kind, values in BADGE_KINDS.items() if value in values), "idle")


def status_badge(value, label=None):
    """A status as a small coloured badge that never wraps."""
    if not value:
        return "-"
    return format_html(
        '<span class="mk-badge mk-badge-{}" data-value="{}">{}</span>',
        badge_kind(value),
        value,
        label if label is not None else value,
    )


def badge_display(field: str, description=None, *, ordering: str | None = None):
    """A list / change-page column showing a choices field as a badge."""

    @admin.display(description=description, ordering=ordering or field)
    def display(modeladmin, obj):
        value = getattr(obj, field)
        label = getattr(obj, f"get_{field}_display", lambda: value)()
        return status_badge(value, label)

    return display


def compact_when(value) -> str:
    """A datetime as "2026-12-02 14:05" in Korean time ("-" when empty)."""
    if not value:
        return "-"
    return date_format(timezone.localtime(value), "Y-m-d H:i")


def when_display(field: str, description=None):
    """A list column showing a datetime compactly, on one line."""

    @admin.display(description=description, ordering=field)
    def display(modeladmin, obj):
        value = getattr(obj, field)
        return format_html('<span class="mk-nowrap">{}</span>', compact_when(value))

    return display


def won(amount) -> str:
    """KRW with thousands separators and 원 ("-" when empty)."""
    if amount is None or amount == "":
        return "-"
    return gettext("%(amount)s원") % {"amount": f"{int(amount):,}"}


def won_display(field: str, description=None):
    @admin.display(description=description, ordering=field)
    def display(modeladmin, obj):
        return format_html('<span class="mk-nowrap mk-money">{}</span>', won(getattr(obj, field)))

    return display


# --- sync history --------------------------------------------------------------------------------
def sync_history_html(target_type: str, target_id: str, exchanges: Q) -> str:
    """The target's last jobs and the HTTP exchanges matched by `exchanges` (besides its own)."""
    target = {"target_type": target_type, "target_id": target_id}
    jobs = list(Job.objects.filter(**target).select_related("created_by")[:20])
    for job in jobs:
        job.error_text = plain_error(job.last_error)
    rows = list(
        HttpExchange.objects.filter(Q(**target) | exchanges).order_by("-created_at", "-id")[:50]
    )
    for exchange in rows:
        exchange.message_text = exchange_message(exchange)
        exchange.body_block = json_block(exchange.response_body, summary=gettext("응답 본문"))
    return render_to_string(
        "admin/marketplaces/sync_history.html", {"jobs": jobs, "exchanges": rows}
    )


QUEUED_NOTE = _("진행 상황은 쿠폰 화면의 동기화 기록에서 볼 수 있습니다.")


def report_job(modeladmin, request, label: str, job: Job, *, queued_note=QUEUED_NOTE) -> None:
    """The job engine's report, pointing to the object's sync history for progress."""
    report_job_outcome(modeladmin, request, label, job, queued_note=queued_note)


# --- actions and change-page buttons -------------------------------------------------------------
def job_action(service, *, key: str, description, label=None, permission: str = "change"):
    """An admin action calling `service(<key>=row, user=…)` for each selected row and reporting
    the job each call queued (or its refusal)."""

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        modeladmin._each(
            request,
            queryset,
            label or description,
            lambda row: service(**{key: row}, user=request.user),
        )

    return action


@dataclass(frozen=True)
class ObjectOperation:
    """A change-page button: `service(<key>=obj, user=…)` queues a job, reported as a message.

    `label` is words (a string, or `label(obj)` for one that depends on the object), never an
    HTTP verb; `shown(obj)` hides the button where it cannot apply; `confirm` asks first."""

    name: str
    label: Any
    service: Callable
    key: str
    permission: str = "change"
    shown: Callable[[Any], bool] | None = None
    confirm: Any = ""

    def label_for(self, obj) -> str:
        return str(self.label(obj) if callable(self.label) else self.label)


class SyncedObjectAdmin(admin.ModelAdmin):
    """A marketplace object's admin: its live status, its last error in words, change-page
    buttons and actions that each call one service per object and report the job it queued."""

    error_css_class = ""
    change_form_template = "admin/marketplaces/synced_change_form.html"
    # Shown in the status panel: the object's status fields and when it last heard from remote.
    sync_status_fields: tuple[str, ...] = ("local_status", "remote_status")
    synced_at_fields: tuple[str, ...] = ("remote_synced_at",)
    object_operations: tuple[ObjectOperation, ...] = ()
    status_poll_ms = 1500

    class Media:
        css = {"all": ["marketplaces/admin.css"]}
        js = ["marketplaces/sync_status.js"]

    # --- display ---------------------------------------------------------------------------------
    @admin.display(description=_("오류"))
    def error_summary(self, obj):
        text = plain_error(obj.last_error)
        if not text:
            return ""
        return format_html('<span class="mk-error" title="{}">{}</span>', text, short_text(text))

    @admin.display(description=_("마지막 오류"))
    def last_error_display(self, obj):
        text = plain_error(obj.last_error)
        if not text:
            return "-"
        return format_html(
            '<strong class="mk-error-full {}">{}</strong>', self.error_css_class, text
        )

    @admin.display(description=_("동기화 기록 (작업과 HTTP)"))
    def sync_history(self, obj):
        return sync_history_html(*self.sync_target(obj))

    def sync_target(self, obj) -> tuple[str, str, Q]:
        """(target type, target id, other exchanges to show) of the object's sync history."""
        raise NotImplementedError

    # --- the live status panel ---------------------------------------------------------------
    def last_job(self, obj) -> Job | None:
        target_type, target_id, _others = self.sync_target(obj)
        return (
            Job.objects.filter(target_type=target_type, target_id=target_id).order_by("-id").first()
        )

    def sync_status_context(self, request, obj) -> dict:
        job = self.last_job(obj)
        statuses = []
        for name in self.sync_status_fields:
            field = self.model._meta.get_field(name)
            value = getattr(obj, name)
            label = getattr(obj, f"get_{name}_display", lambda v=value: v)()
            statuses.append({"label": field.verbose_name, "badge": status_badge(value, label)})
        synced = [
            {
                "label": self.model._meta.get_field(name).verbose_name,
                "value": compact_when(getattr(obj, name)),
            }
            for name in self.synced_at_fields
        ]
        error = plain_error(obj.last_error)
        if not error and job and job.status in (Job.Status.FAILED, Job.Status.DEAD):
            error = plain_error(job.last_error)
        retrying = plain_error(job.last_error) if job and job.is_open and job.last_error else ""
        opts = self.model._meta
        return {
            "obj": obj,
            "job": job,
            "job_badge": status_badge(job.status, job.get_status_display()) if job else "",
            "job_url": reverse("admin:jobs_job_change", args=[job.pk]) if job else "",
            "open": bool(job and job.is_open),
            "statuses": statuses,
            "synced": synced,
            "error": error,
            "retrying": retrying,
            "watched": request.GET.get("watched") == "1",
            "status_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_sync_status", args=[obj.pk]
            ),
            "poll_ms": self.status_poll_ms,
        }

    def sync_status_html(self, request, obj) -> str:
        return render_to_string(
            "admin/marketplaces/sync_status.html", self.sync_status_context(request, obj), request
        )

    def sync_status_view(self, request, object_id):
        """The status panel as an HTML fragment (for the page's polling script)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        response = HttpResponse(self.sync_status_html(request, obj))
        response["Cache-Control"] = "no-store"
        return response

    # --- change-page buttons -----------------------------------------------------------------
    def _operation_allowed(self, request, operation: ObjectOperation, obj) -> bool:
        if operation.permission == "view":
            return self.has_view_or_change_permission(request, obj)
        return self.has_change_permission(request, obj)

    def operations_for(self, request, obj) -> list[dict]:
        opts = self.model._meta
        return [
            {
                "name": op.name,
                "label": op.label_for(obj),
                "confirm": str(op.confirm or ""),
                "url": reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_operation", args=[obj.pk, op.name]
                ),
            }
            for op in self.object_operations
            if (op.shown is None or op.shown(obj)) and self._operation_allowed(request, op, obj)
        ]

    def operation_view(self, request, object_id, operation):
        """Run one of `object_operations` on the object and come back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        chosen = next((op for op in self.object_operations if op.name == operation), None)
        if chosen is None or not self._operation_allowed(request, chosen, obj):
            raise PermissionDenied
        self._each(
            request,
            [obj],
            chosen.label_for(obj),
            lambda row: chosen.service(**{chosen.key: row}, user=request.user),
        )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/status/",
                wrap(self.sync_status_view),
                name="%s_%s_sync_status" % info,
            ),
            path(
                "<path:object_id>/operation/<str:operation>/",
                wrap(self.operation_view),
                name="%s_%s_operation" % info,
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        # the list gets the page's width at 1280 px: the app menu stays on the other pages
        extra = {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["sync_status_panel"] = self.sync_status_html(request, obj)
            context["sync_operations"] = self.operations_for(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- running services ----------------------------------------------------------------------
    def report(self, request, label: str, job: Job) -> None:
        report_job(self, request, label, job)

    def refusal_text(self, label: str, obj, exc: Exception) -> str:
        return f"{obj}: {error_text(exc)}"

    def _each(self, request, queryset, label, call) -> None:
        for obj in queryset:
            try:
                job = call(obj)
            except (DomainError, ValidationError) as exc:
                self.message_user(request, self.refusal_text(label, obj, exc), messages.ERROR)
                continue
            self.report(request, f"{label} — {obj}", job)


# --- jobs' HTTP exchanges (read-only) --------------------------------------------------------
class ExchangeDisplays:
    """The bodies of an HTTP exchange collapsed, and what it said in words."""

    @admin.display(description=_("요청 본문"))
    def request_body_display(self, obj):
        return json_block(obj.request_body, summary=gettext("요청 본문"))

    @admin.display(description=_("응답 본문"))
    def response_body_display(self, obj):
        return json_block(obj.response_body, summary=gettext("응답 본문"))

    @admin.display(description=_("메시지"))
    def message_display(self, obj):
        return exchange_message(obj) or "-"


class HttpExchangeInline(ExchangeDisplays, admin.TabularInline):
    model = HttpExchange
    fields = [
        "created_at",
        "method",
        "path",
        "status_code",
        "duration_ms",
        "message_display",
        "request_body_display",
        "response_body_display",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class JobWithExchangesAdmin(JobAdmin):
    """The job engine's job page, with the HTTP exchanges a marketplace job made."""

    inlines = [HttpExchangeInline]

    class Media:
        css = {"all": ["marketplaces/admin.css"]}


admin.site.unregister(Job)
admin.site.register(Job, JobWithExchangesAdmin)


@admin.register(HttpExchange)
class HttpExchangeAdmin(ExchangeDisplays, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "marketplace",
        "method",
        "path",
        "status_code",
        "duration_ms",
        "job",
    ]
    list_filter = ["marketplace", "method", "status_code"]
    search_fields = ["=target_id"]
    show_full_result_count = False

    class Media:
        css = {"all": ["marketplaces/admin.css"]}

    def get_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields]
        shown = [n for n in names if n not in ("request_body", "response_body", "error")]
        return [*shown, "message_display", "request_body_display", "response_body_display"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # the exchange log is kept as written: only a superuser may delete from it
        return request.user.is_active and request.user.is_superuser
