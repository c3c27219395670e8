"""Celery beat tasks of the coupons app (used only when CELERY_BROKER_URL is set).

Long work (CS compensation runs) is a job of `backoffice.jobs`, not a task of its own."""

from celery import shared_task

from .issuing import coupons_expire


@shared_task(name="coupons.tasks.expire_coupons")
def expire_coupons() -> int:
    return coupons_expire()
