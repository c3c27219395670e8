"""System checks of the job engine's settings (ids `jobs.E001` …)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("jobs")
def check_job_settings(app_configs=None, **kwargs):
    messages = []
    if settings.JOB_MAX_ATTEMPTS < 1:
        messages.append(Error("JOB_MAX_ATTEMPTS must be at least 1.", id="jobs.E001"))
    if settings.JOB_BACKOFF_SECONDS < 0 or settings.JOB_BACKOFF_MAX_SECONDS < 0:
        messages.append(Error("JOB_BACKOFF_SECONDS must not be negative.", id="jobs.E002"))
    if settings.JOB_STALE_SECONDS < 1:
        messages.append(Error("JOB_STALE_SECONDS must be at least 1.", id="jobs.E003"))
    if settings.CELERY_BROKER_URL and settings.JOBS_EAGER:
        messages.append(
            Warning("JOBS_EAGER is ignored when CELERY_BROKER_URL is set.", id="jobs.W001")
        )
    return messages
