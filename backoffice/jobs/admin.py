"""The job list (read-only: jobs are written by the services that own them) and the one way an
admin action reports a job's outcome."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job

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
        "target_type",
        "target_id",
        "operation",
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

    @admin.display(description=gettext_lazy("진행"))
    def progress(self, obj: Job) -> str:
        if not obj.progress_total:
            return "-"
        return f"{obj.progress_done:,} / {obj.progress_total:,} ({obj.percent}%)"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
