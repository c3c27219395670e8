"""Claim, attempt, finish and heartbeat: the job engine's work on the rows (no transport).

Everything here is safe to run in any number of processes at once: a job is claimed by one
conditional UPDATE and every later write is conditioned on the claim (`locked_by`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.audit.context import JOB, audit_door

from .errors import JobError, JobFailed, RetryLater
from .models import Job
from .registry import Handler, handler_for

logger = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """The wait before the next attempt: the remote's Retry-After when it gave one, otherwise
    JOB_BACKOFF_SECONDS doubled per attempt; never more than JOB_BACKOFF_MAX_SECONDS."""
    if retry_after is not None:
        return min(float(retry_after), settings.JOB_BACKOFF_MAX_SECONDS)
    delay = settings.JOB_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    return min(delay, settings.JOB_BACKOFF_MAX_SECONDS)


def job_attempt(job_id: int) -> tuple[Job, float | None]:
    """Claim the job and run one attempt. Returns the job as it stands afterwards and, when the
    attempt asked for a retry, the seconds to wait before it (the caller dispatches it).

    Does nothing unless the job is PENDING and due, or RUNNING with a stale lock (its worker died)."""
    now = timezone.now()
    worker = worker_name()
    stale_before = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    claim = {
        "status": Job.Status.RUNNING,
        "locked_at": now,
        "locked_by": worker,
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }
    jobs = Job.objects.filter(pk=job_id)
    claimed = jobs.filter(status=Job.Status.PENDING, next_attempt_at__lte=now).update(**claim)
    taken_over = False
    if not claimed:  # its worker died mid-attempt: take it over
        claimed = taken_over = bool(
            jobs.filter(status=Job.Status.RUNNING, locked_at__lt=stale_before).update(**claim)
        )
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job, None
    try:
        handler = handler_for(job.target_type, job.operation)
    except LookupError as exc:  # a job from another release that this process cannot run
        return _finish(job, None, Job.Status.FAILED, error=str(exc)), None
    if taken_over and not handler.retry_safe:
        message = _(
            "작업자가 실행 중 중단되었습니다. 안전하게 다시 실행할 수 없어 실패로 처리합니다."
        )
        return _finish(job, handler, Job.Status.FAILED, error=message), None
    if job.attempts > job.max_attempts:  # its runners keep dying mid-attempt
        message = _("%(n)s회 시도 후 중단: 작업자가 응답 없이 중단되었습니다.") % {
            "n": job.max_attempts
        }
        return _finish(job, handler, Job.Status.DEAD, error=message), None
    try:
        # what the handler writes is audited as done by a job, for the user who queued it
        with audit_door(JOB, user=job.created_by):
            result = handler.run(job) or {}
    except JobFailed as exc:
        return _finish(job, handler, Job.Status.FAILED, error=exc.message), None
    except Exception as exc:
        if isinstance(exc, JobError):
            message = exc.message
        else:
            logger.exception("job %s: unexpected error", job_id)
            message = _("내부 오류: %s") % exc
        if not isinstance(exc, RetryLater) and not handler.retry_safe:
            return _finish(job, handler, Job.Status.FAILED, error=message), None
        if job.attempts >= job.max_attempts:
            message = _("%(n)s회 시도 후 중단: %(reason)s") % {
                "n": job.attempts,
                "reason": message,
            }
            return _finish(job, handler, Job.Status.DEAD, error=message), None
        delay = backoff_seconds(job.attempts, getattr(exc, "retry_after", None))
        updated = Job.objects.filter(pk=job.pk, locked_by=worker).update(
            status=Job.Status.PENDING,
            last_error=message,
            locked_at=None,
            locked_by="",
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            updated_at=timezone.now(),
        )
        job.refresh_from_db()
        return job, (delay if updated else None)
    return _finish(job, handler, Job.Status.SUCCEEDED, result=result), None


def _finish(
    job: Job,
    handler: Handler | None,
    status: str,
    *,
    error: str = "",
    result: dict | None = None,
) -> Job:
    now = timezone.now()
    fields = {
        "status": status,
        "locked_at": None,
        "locked_by": "",
        "next_attempt_at": None,
        "finished_at": now,
        "updated_at": now,
        "last_error": error,
    }
    if result is not None:
        fields["result"] = result
    updated = Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(**fields)
    job.refresh_from_db()
    if updated and status != Job.Status.SUCCEEDED and handler and handler.on_failure:
        try:
            handler.on_failure(job, error)
        except Exception:
            logger.exception("job %s: on_failure hook failed", job.pk)
    return job


def job_heartbeat(job: Job, *, done: int | None = None, total: int | None = None) -> None:
    """Keep a long job's lock fresh (and record its progress) so the sweep does not take it over.

    Raises RetryLater if another runner has taken the job over (this attempt must stop)."""
    now = timezone.now()
    fields = {"locked_at": now, "updated_at": now}
    if done is not None:
        fields["progress_done"] = done
    if total is not None:
        fields["progress_total"] = total
    if not Job.objects.filter(pk=job.pk, locked_by=job.locked_by, status=Job.Status.RUNNING).update(
        **fields
    ):
        raise RetryLater(_("다른 작업자가 이 작업을 넘겨받았습니다."))
    for name, value in fields.items():
        setattr(job, name, value)


def due_job_ids(limit: int = 500) -> list[int]:
    """PENDING jobs due for longer than the sweep's grace (their dispatch was lost) and RUNNING
    jobs whose lock went stale (their worker died), oldest first."""
    now = timezone.now()
    grace = timedelta(seconds=settings.JOB_SWEEP_GRACE_SECONDS)
    stale_before = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    return list(
        Job.objects.filter(
            Q(status=Job.Status.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=Job.Status.RUNNING, locked_at__lt=stale_before)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
