"""Background jobs of the coupons app.

With CELERY_BROKER_URL set they are Celery tasks; without it (the embedded default) they run in a
thread of this process once the enqueuing transaction commits. The job rows (CompensationRun) are
the durable truth either way: a run left RUNNING by a dead worker is resumed with
`compensation_run_process(run_id=…, resume=True)`.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connections, transaction

log = logging.getLogger(__name__)

_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


@shared_task(name="coupons.tasks.run_compensation", acks_late=True)
def run_compensation(run_id: int) -> None:
    from .compensation import compensation_run_process

    compensation_run_process(run_id=run_id)


@shared_task(name="coupons.tasks.expire_coupons")
def expire_coupons() -> int:
    from .issuing import coupons_expire

    return coupons_expire()


def _in_thread(func, *args) -> None:
    close_old_connections()
    try:
        func(*args)
    except Exception:  # the job row records the failure; keep the thread from dying noisily
        log.exception("in-process job %s%r failed", getattr(func, "name", func), args)
    finally:
        connections.close_all()


def _dispatch(task, *args) -> None:
    if settings.CELERY_BROKER_URL:
        task.delay(*args)
        return
    thread = threading.Thread(
        target=_in_thread, args=(task.run, *args), daemon=True, name=f"job-{task.name}-{args}"
    )
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()


def enqueue_compensation(run_id: int) -> None:
    """Start the compensation run once the current transaction commits."""
    transaction.on_commit(lambda: _dispatch(run_compensation, run_id))


def join_inprocess_jobs(timeout: float = 60.0) -> bool:
    """Wait for in-process job threads (tests, the `serve` command at shutdown); True if all ended."""
    with _threads_lock:
        pending = list(_threads)
    for thread in pending:
        thread.join(timeout)
    return not any(t.is_alive() for t in pending)
