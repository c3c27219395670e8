"""The job engine's services: enqueue, dispatch, run, sweep.

Who runs a job is read at call time: Celery when `CELERY_BROKER_URL` is set; inline right after
commit when `JOBS_EAGER` is on (tests, one-shot commands); otherwise a daemon thread of this
process (retries wait in a `threading.Timer`), with `jobs_start_sweeper` standing in for beat.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.errors import Conflict

from .engine import due_job_ids, job_attempt, job_heartbeat
from .models import Job
from .registry import handler_for
from .tasks import run_job

logger = logging.getLogger(__name__)

__all__ = [
    "job_dispatch",
    "job_enqueue",
    "job_heartbeat",
    "job_run",
    "job_run_to_end",
    "jobs_join_inprocess",
    "jobs_start_sweeper",
    "jobs_sweep",
]

_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


def job_enqueue(
    *,
    target_type: str,
    target_id: str | int,
    operation: str,
    payload: dict | None = None,
    user=None,
    max_attempts: int | None = None,
    progress_total: int = 0,
    dispatch: bool = True,
) -> Job:
    """Write a PENDING job in the caller's transaction and, with `dispatch`, hand it to a runner
    once that commits. Raises Conflict (SYNC_JOB_OPEN, the code API clients know) when the target already has an open job and
    LookupError when no handler is registered for (target_type, operation)."""
    handler_for(target_type, operation)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                target_type=target_type,
                target_id=str(target_id),
                operation=operation,
                payload=payload or {},
                created_by=user if getattr(user, "pk", None) else None,
                max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
                next_attempt_at=timezone.now(),
                progress_total=progress_total,
            )
    except IntegrityError:
        open_job = Job.objects.filter(
            target_type=target_type, target_id=str(target_id), status__in=Job.OPEN_STATUSES
        ).first()
        raise Conflict(
            _("이 대상에는 진행 중인 작업(#%(id)s)이 있습니다. 끝난 뒤 다시 시도하세요.")
            % {"id": open_job.pk if open_job else "?"},
            code="SYNC_JOB_OPEN",
        ) from None
    if dispatch:
        transaction.on_commit(partial(job_dispatch, job.pk))
    return job


def job_dispatch(job_id: int, delay: float = 0.0) -> None:
    """Hand a job to whoever runs jobs in this deployment. Never raises: a job that cannot be
    handed over now stays PENDING and the sweep runs it."""
    if settings.CELERY_BROKER_URL:
        try:
            run_job.apply_async(args=[job_id], countdown=delay or None)
        except Exception:
            logger.exception("could not send job %s to the broker; the sweep will run it", job_id)
        return
    if settings.JOBS_EAGER:
        job_run_to_end(job_id)
        return
    timer = threading.Timer(delay, _run_in_thread, args=[job_id])
    timer.daemon = True
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(timer)
    timer.start()


def _run_in_thread(job_id: int) -> None:
    try:
        close_old_connections()
        job_run(job_id)
    except Exception:
        logger.exception("job %s crashed its runner thread", job_id)
    finally:
        connections.close_all()  # this thread's connections only


def job_run(job_id: int) -> Job:
    """Run one attempt here and dispatch the retry it asks for; returns the job afterwards."""
    job, delay = job_attempt(job_id)
    if delay is not None:
        job_dispatch(job.pk, delay)
    return job


def job_run_to_end(job_id: int) -> Job:
    """Run a job here, waiting out its retries, until it is no longer PENDING."""
    job, _delay = job_attempt(job_id)
    while job.status == Job.Status.PENDING:
        wait = (job.next_attempt_at - timezone.now()).total_seconds() if job.next_attempt_at else 0
        time.sleep(max(0.0, wait))
        job, _delay = job_attempt(job_id)
    return job


def jobs_sweep(*, inline: bool | None = None) -> list[int]:
    """Run (inline) or dispatch due PENDING jobs whose run was lost and RUNNING jobs whose worker
    died; returns their ids. `inline` defaults to True when there is no broker."""
    ids = due_job_ids()
    if inline is None:
        inline = not settings.CELERY_BROKER_URL
    for job_id in ids:
        if inline:
            job_run(job_id)
        else:
            job_dispatch(job_id)
    return ids


def jobs_start_sweeper(interval: float = 60.0) -> threading.Thread:
    """Sweep every `interval` seconds in a daemon thread: the in-process stand-in for Celery beat
    (`manage.py serve` without a broker)."""
    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            try:
                close_old_connections()
                jobs_sweep(inline=True)
            except Exception:
                logger.exception("job sweep failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, name="job-sweeper", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def jobs_join_inprocess(timeout: float = 60.0) -> bool:
    """Wait for this process's runner threads, including the retries they schedule meanwhile
    (tests, `serve` at shutdown); True if all ended within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        with _threads_lock:
            pending = [t for t in _threads if t.is_alive()]
        if not pending:
            return True
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _threads_lock:
                return not any(t.is_alive() for t in _threads)
