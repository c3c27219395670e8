"""The sync engine: durable job rows for marketplace work, claimed atomically, retried with backoff.

A `SyncJob` row is written in the caller's transaction (`sync_job_enqueue`); after commit it runs

- as the Celery task `marketplaces.tasks.run_sync_job` when `CELERY_BROKER_URL` is set;
- otherwise in this process, in a daemon thread (retries wait in a `threading.Timer`);
- or inline, right after commit, when `SYNC_JOBS_EAGER` is on (tests, one-shot commands).

`sync_job_run` claims a job with one conditional UPDATE, so two runners never run one job. The
handler registered for (target_type, operation) does the work: returning ends the job SUCCEEDED;
`RetryableError` schedules another attempt with exponential backoff (a 429's Retry-After wins);
`FinalError` ends it FAILED with the marketplace's message; after `max_attempts` it is DEAD with
the reason. `sync_jobs_sweep` (Celery beat, or `manage.py sync_jobs_sweep --loop`) re-runs due
jobs whose dispatch was lost and takes over RUNNING jobs whose worker died. The row is the truth:
a lost broker message or a killed process delays a job, never loses it.

Handlers are registered explicitly by each marketplace app's `ready()` (`sync_handler`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coupons.errors import Conflict

from .http import FinalError, MarketplaceError, RetryableError
from .models import SyncJob

logger = logging.getLogger(__name__)

# The Celery task that runs one attempt (marketplaces/tasks.py); sent by name so this module and
# the task module do not import each other.
RUN_TASK = "marketplaces.tasks.run_sync_job"


@dataclass(frozen=True)
class SyncHandler:
    run: Callable[[SyncJob], dict | None]
    on_failure: Callable[[SyncJob, str], None] | None = None


HANDLERS: dict[tuple[str, str], SyncHandler] = {}


def sync_handler(
    target_type: str, operation: str, *, on_failure: Callable[[SyncJob, str], None] | None = None
):
    """Register `fn(job) -> result dict` for (target_type, operation).

    `on_failure(job, message)` runs once when the job ends FAILED or DEAD (e.g. to show the
    failure on the target object)."""

    def register(fn):
        HANDLERS[(target_type, operation)] = SyncHandler(fn, on_failure)
        return fn

    return register


def _handler(target_type: str, operation: str) -> SyncHandler:
    try:
        return HANDLERS[(target_type, operation)]
    except KeyError:
        raise ValueError(f"no sync handler for {target_type}/{operation}") from None


def sync_job_enqueue(
    *,
    target_type: str,
    target_id: str | int,
    operation: str,
    payload: dict | None = None,
    user=None,
    max_attempts: int | None = None,
    progress_total: int = 0,
) -> SyncJob:
    """Write a PENDING job in the caller's transaction and run it after commit.

    Raises Conflict when the target already has a PENDING or RUNNING job."""
    _handler(target_type, operation)
    try:
        with transaction.atomic():
            job = SyncJob.objects.create(
                target_type=target_type,
                target_id=str(target_id),
                operation=operation,
                payload=payload or {},
                created_by=user if getattr(user, "pk", None) else None,
                max_attempts=max_attempts or settings.SYNC_JOB_MAX_ATTEMPTS,
                next_attempt_at=timezone.now(),
                progress_total=progress_total,
            )
    except IntegrityError:
        open_job = SyncJob.objects.filter(
            target_type=target_type, target_id=str(target_id), status__in=SyncJob.OPEN_STATUSES
        ).first()
        raise Conflict(
            _("이 대상에는 진행 중인 동기화 작업(#%(id)s)이 있습니다. 끝난 뒤 다시 시도하세요.")
            % {"id": open_job.pk if open_job else "?"},
            code="SYNC_JOB_OPEN",
        ) from None
    transaction.on_commit(partial(_dispatch, job.pk, 0.0))
    return job


def _dispatch(job_id: int, delay: float) -> None:
    """Hand a job to whoever runs jobs in this deployment (read at call time)."""
    if settings.CELERY_BROKER_URL:
        try:
            current_app.send_task(RUN_TASK, args=[job_id], countdown=delay or None)
        except Exception:  # broker down: the row stays PENDING and the sweep picks it up
            logger.exception("could not send sync job %s to the broker", job_id)
        return
    if settings.SYNC_JOBS_EAGER:
        sync_job_run_to_end(job_id)
        return
    timer = threading.Timer(delay, _run_in_thread, args=[job_id])
    timer.daemon = True
    timer.start()


def _run_in_thread(job_id: int) -> None:
    try:
        close_old_connections()
        sync_job_run(job_id)
    except Exception:
        logger.exception("sync job %s crashed its runner thread", job_id)
    finally:
        connections.close_all()  # this thread's connections only


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def _backoff(attempts: int, retry_after: float | None) -> float:
    if retry_after is not None:
        return min(float(retry_after), settings.SYNC_JOB_BACKOFF_MAX_SECONDS)
    delay = settings.SYNC_JOB_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    return min(delay, settings.SYNC_JOB_BACKOFF_MAX_SECONDS)


def sync_job_run(job_id: int, *, reschedule: bool = True) -> SyncJob:
    """Claim the job and run one attempt; returns the job as it stands afterwards.

    Does nothing (returns the job unchanged) unless the job is PENDING and due, or RUNNING with a
    stale lock. With `reschedule`, a retry is dispatched after its backoff."""
    now = timezone.now()
    worker = _worker_name()
    stale_before = now - timedelta(seconds=settings.SYNC_JOB_STALE_SECONDS)
    claimed = (
        SyncJob.objects.filter(pk=job_id)
        .filter(
            Q(status=SyncJob.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=SyncJob.Status.RUNNING, locked_at__lt=stale_before)
        )
        .update(
            status=SyncJob.Status.RUNNING,
            locked_at=now,
            locked_by=worker,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    job = SyncJob.objects.get(pk=job_id)
    if not claimed:
        return job
    try:
        handler = _handler(job.target_type, job.operation)
    except ValueError as exc:  # a job from a newer/older release this process cannot run
        return _finish(job, SyncHandler(run=lambda j: None), SyncJob.Status.FAILED, error=str(exc))
    if job.attempts > job.max_attempts:  # its runners keep dying mid-attempt
        return _finish(
            job,
            handler,
            SyncJob.Status.DEAD,
            error=_("%(n)s회 시도 후 중단: 작업자가 응답 없이 중단되었습니다.")
            % {"n": job.max_attempts},
        )
    try:
        result = handler.run(job) or {}
    except FinalError as exc:
        return _finish(job, handler, SyncJob.Status.FAILED, error=exc.message)
    except (RetryableError, Exception) as exc:
        if not isinstance(exc, MarketplaceError):
            logger.exception("sync job %s: unexpected error", job_id)
        message = exc.message if isinstance(exc, MarketplaceError) else _("내부 오류: %s") % exc
        if job.attempts >= job.max_attempts:
            return _finish(
                job,
                handler,
                SyncJob.Status.DEAD,
                error=_("%(n)s회 시도 후 중단: %(reason)s")
                % {"n": job.attempts, "reason": message},
            )
        delay = _backoff(job.attempts, getattr(exc, "retry_after", None))
        updated = SyncJob.objects.filter(pk=job.pk, locked_by=worker).update(
            status=SyncJob.Status.PENDING,
            last_error=message,
            locked_at=None,
            locked_by="",
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            updated_at=timezone.now(),
        )
        job.refresh_from_db()
        if updated and reschedule:
            _dispatch(job.pk, delay)
        return job
    return _finish(job, handler, SyncJob.Status.SUCCEEDED, result=result)


def _finish(
    job: SyncJob, handler: SyncHandler, status: str, *, error: str = "", result: dict | None = None
) -> SyncJob:
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
    updated = SyncJob.objects.filter(pk=job.pk, locked_by=job.locked_by).update(**fields)
    job.refresh_from_db()
    if updated and status != SyncJob.Status.SUCCEEDED and handler.on_failure:
        try:
            handler.on_failure(job, error)
        except Exception:
            logger.exception("sync job %s: on_failure hook failed", job.pk)
    return job


def sync_job_run_to_end(job_id: int) -> SyncJob:
    """Run a job inline, waiting out its retries, until it is no longer PENDING (eager mode)."""
    job = sync_job_run(job_id, reschedule=False)
    while job.status == SyncJob.Status.PENDING:
        wait = (job.next_attempt_at - timezone.now()).total_seconds() if job.next_attempt_at else 0
        time.sleep(max(0.0, wait))
        job = sync_job_run(job_id, reschedule=False)
    return job


def sync_job_heartbeat(job: SyncJob, *, done: int | None = None, total: int | None = None) -> None:
    """Keep a long job's lock fresh (and record progress) so the sweep does not take it over.

    Raises RetryableError if another runner has taken the job over."""
    now = timezone.now()
    fields = {"locked_at": now, "updated_at": now}
    if done is not None:
        fields["progress_done"] = done
    if total is not None:
        fields["progress_total"] = total
    if not SyncJob.objects.filter(
        pk=job.pk, locked_by=job.locked_by, status=SyncJob.Status.RUNNING
    ).update(**fields):
        raise RetryableError(_("다른 작업자가 이 작업을 넘겨받았습니다."))
    for name, value in fields.items():
        setattr(job, name, value)


def sync_jobs_sweep(*, inline: bool | None = None) -> list[int]:
    """Dispatch due PENDING jobs whose run was lost and RUNNING jobs whose worker died.

    Returns the ids dispatched. `inline` runs them here (default: when there is no broker)."""
    now = timezone.now()
    grace = timedelta(seconds=settings.SYNC_SWEEP_GRACE_SECONDS)
    stale_before = now - timedelta(seconds=settings.SYNC_JOB_STALE_SECONDS)
    ids = list(
        SyncJob.objects.filter(
            Q(status=SyncJob.Status.PENDING, next_attempt_at__lte=now - grace)
            | Q(status=SyncJob.Status.RUNNING, locked_at__lt=stale_before)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    if inline is None:
        inline = not settings.CELERY_BROKER_URL
    for job_id in ids:
        if inline:
            sync_job_run(job_id)
        else:
            _dispatch(job_id, 0.0)
    return ids


def sync_jobs_start_sweeper(interval: float = 60.0) -> threading.Thread:
    """Sweep every `interval` seconds in a daemon thread: the in-process stand-in for Celery beat
    (for `manage.py serve` without a broker)."""

    def loop():
        while True:
            time.sleep(interval)
            try:
                close_old_connections()
                sync_jobs_sweep(inline=True)
            except Exception:
                logger.exception("sync sweep failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, name="sync-sweeper", daemon=True)
    thread.start()
    return thread
