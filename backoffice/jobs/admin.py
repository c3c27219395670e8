"""The job list (read-only: jobs are written by the services that own them) and the one way an
admin action reports a job's outcome."""

import json
import re

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry
from .models import Job

_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{2,4}\d{2,3}\b")


def _codes_in(text: str) -> list[tuple[str, str]]:
    """The described codes that `text` mentions, each once, with their names."""
    found = dict.fromkeys(_CODE.findall(text or ""))
    return [(code, registry.code_name(code)) for code in found if registry.code_name(code)]


def json_details(value, summary: str):
    """JSON pretty-printed behind a toggle, followed by the names of the codes it carries."""
    if not value:
        return "-"
    text = json.dumps(value, ensure_ascii=False, indent=2)
    codes = _codes_in(text)
    legend = format_html(
        '<ul class="job-codes">{}</ul>',
        format_html_join("", "<li><code>{}</code> {}</li>", codes),
    )
    return format_html(
        '<details class="mk-json"><summary>{}</summary><pre>{}</pre></details>{}',
        summary,
        text,
        legend if codes else "",
    )


QUEUED_NOTE = gettext_lazy("진행 상황은 작업 목록에서 볼 수 있습니다.")


def report_job(modeladmin, request, label: str, job: Job, *, queued_note=QUEUED_NOTE) -> None:
    """One message per job at its level: done, failed (with the reason) or queued."""
    job.refresh_from_db()
    if job.status == Job.Status.SUCCEEDED:
        modeladmin.message_user(
            request,
            _("%(label)s: 완료 (작업 #%(id)s)") % {"label": label, "id": job.pk},
            messages.SUCCESS,
        )
    elif job.status in (Job.Status.FAILED, Job.Status.DEAD):
        modeladmin.message_user(
            request,
            _("%(label)s: 실패 (작업 #%(id)s) — %(error)s")
            % {"label": label, "id": job.pk, "error": job.last_error},
            messages.ERROR,
        )
    else:
        modeladmin.message_user(
            request,
            _("%(label)s: 작업 #%(id)s을(를) 등록했습니다. %(note)s")
            % {"label": label, "id": job.pk, "note": queued_note},
            messages.INFO,
        )


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "status",
        "attempts",
        "progress",
        "next_attempt_at",
        "created_by",
        "created_at",
        "last_error",
    ]
    list_filter = ["status", "target_type", "operation"]
    search_fields = ["=target_id"]
    list_select_related = ["created_by"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("작업"), ordering="operation")
    def title(self, obj: Job) -> str:
        return obj.title

    @admin.display(description=gettext_lazy("진행"))
    def progress(self, obj: Job) -> str:
        if not obj.progress_total:
            return "-"
        return f"{obj.progress_done:,} / {obj.progress_total:,} ({obj.percent}%)"

    @admin.display(description=gettext_lazy("요청 내용"))
    def payload_display(self, obj: Job):
        return json_details(obj.payload, _("펼쳐 보기"))

    @admin.display(description=gettext_lazy("결과"))
    def result_display(self, obj: Job):
        return json_details(obj.result, _("펼쳐 보기"))

    @admin.display(description=gettext_lazy("마지막 오류"))
    def last_error_display(self, obj: Job):
        if not obj.last_error:
            return "-"
        codes = _codes_in(obj.last_error)
        return format_html(
            "{}{}",
            obj.last_error,
            format_html_join("", " <span>(<code>{}</code> {})</span>", codes),
        )

    _SHOWN_AS = {
        "payload": "payload_display",
        "result": "result_display",
        "last_error": "last_error_display",
    }

    def get_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields if f.name != "id"]
        return ["title", *(self._SHOWN_AS.get(n, n) for n in names)]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
