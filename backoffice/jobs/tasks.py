"""Celery tasks (only when CELERY_BROKER_URL is set): run one attempt of a job, sweep."""

import logging

from celery import shared_task

from .engine import due_job_ids, job_attempt

logger = logging.getLogger(__name__)


@shared_task(name="jobs.run", bind=True, ignore_result=True, acks_late=True)
def run_job(self, job_id: int) -> None:
    """One attempt of a job; a retry is sent again with its backoff as the countdown."""
    job, delay = job_attempt(job_id)
    if delay is not None:
        try:
            self.apply_async(args=[job_id], countdown=delay)
        except Exception:  # broker gone: the row stays PENDING and the sweep sends it
            logger.exception("could not send the retry of job %s to the broker", job_id)


@shared_task(name="jobs.sweep", ignore_result=True)
def sweep_jobs() -> int:
    """Re-send due jobs whose message was lost and jobs whose worker died (beat, every 60 s)."""
    ids = due_job_ids()
    for job_id in ids:
        run_job.delay(job_id)
    return len(ids)
