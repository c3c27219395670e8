"""Admin pieces every marketplace uses, the HTTP exchange log, and jobs shown with their exchanges.

Each marketplace's own admin is its package's `admin.py` (found by admin autodiscovery)."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.jobs.admin import JobAdmin
from backoffice.jobs.admin import report_job as report_job_outcome
from backoffice.jobs.models import Job
from coupons.errors import DomainError

from . import admin_desk  # noqa: F401  (registers the desk's marketplace panel)
from .models import HttpExchange


def error_text(exc: Exception) -> str:
    """A refusal as one line for an admin message."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return getattr(exc, "message", "") or str(exc)


QUEUED_NOTE = _("진행 상황은 쿠폰 화면의 동기화 기록에서 볼 수 있습니다.")


def report_job(modeladmin, request, label: str, job: Job, *, queued_note=QUEUED_NOTE) -> None:
    """The job engine's report, pointing to the object's sync history for progress."""
    report_job_outcome(modeladmin, request, label, job, queued_note=queued_note)


def json_block(value):
    """JSON kept from or sent to a marketplace, readable on a change page."""
    if not value:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))


def json_display(field: str, description):
    """A read-only change-page field showing the JSON in `field`."""

    @admin.display(description=description)
    def display(modeladmin, obj):
        return json_block(getattr(obj, field))

    return display


def sync_history_html(target_type: str, target_id: str, exchanges: Q) -> str:
    """The target's last jobs and the HTTP exchanges matched by `exchanges` (besides its own)."""
    target = {"target_type": target_type, "target_id": target_id}
    jobs = Job.objects.filter(**target).select_related("created_by")[:20]
    rows = HttpExchange.objects.filter(Q(**target) | exchanges).order_by("-created_at", "-id")[:50]
    return render_to_string(
        "admin/marketplaces/sync_history.html", {"jobs": jobs, "exchanges": rows}
    )


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


class SyncedObjectAdmin(admin.ModelAdmin):
    """A marketplace object's admin: its last error, and actions that each call one service per
    selected row and report the job it queued."""

    error_css_class = ""

    @admin.display(description=_("오류"))
    def error_summary(self, obj):
        return (obj.last_error[:60] + "…") if len(obj.last_error) > 60 else obj.last_error

    @admin.display(description=_("마지막 오류"))
    def last_error_display(self, obj):
        if not obj.last_error:
            return "-"
        if self.error_css_class:
            return format_html(
                '<strong class="{}" style="color:#ba2121">{}</strong>',
                self.error_css_class,
                obj.last_error,
            )
        return format_html('<strong style="color:#ba2121">{}</strong>', obj.last_error)

    @admin.display(description=_("동기화 기록 (작업과 HTTP)"))
    def sync_history(self, obj):
        return sync_history_html(*self.sync_target(obj))

    def sync_target(self, obj) -> tuple[str, str, Q]:
        """(target type, target id, other exchanges to show) of the object's sync history."""
        raise NotImplementedError

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
class HttpExchangeInline(admin.TabularInline):
    model = HttpExchange
    fields = [
        "created_at",
        "method",
        "path",
        "status_code",
        "duration_ms",
        "error",
        "request_body",
        "response_body",
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


admin.site.unregister(Job)
admin.site.register(Job, JobWithExchangesAdmin)


@admin.register(HttpExchange)
class HttpExchangeAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # the exchange log is kept as written: only a superuser may delete from it
        return request.user.is_active and request.user.is_superuser
