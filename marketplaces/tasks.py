"""Celery tasks (used only when CELERY_BROKER_URL is set); each calls one service."""

from celery import shared_task

from .sync import sync_job_run, sync_jobs_sweep


@shared_task(name="marketplaces.tasks.run_sync_job", ignore_result=True)
def run_sync_job(job_id: int) -> None:
    """Run one attempt of a sync job; retries are re-sent by the engine with a countdown."""
    sync_job_run(job_id)


@shared_task(name="marketplaces.tasks.sweep_sync_jobs", ignore_result=True)
def sweep_sync_jobs() -> int:
    """Re-dispatch due jobs whose message was lost and jobs whose worker died (beat, every 60 s)."""
    return len(sync_jobs_sweep(inline=False))
