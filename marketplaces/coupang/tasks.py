"""Celery tasks of the Coupang package (only when CELERY_BROKER_URL is set), found by Celery's
autodiscovery. Schedule the reconcile with beat, e.g. every 30 minutes:
CELERY_BEAT_SCHEDULE = {"coupang-instant-reconcile": {"task": "coupang.instant_reconcile",
"schedule": 1800}}; without a broker, cron `manage.py coupang_instant_reconcile`."""

import logging

from celery import shared_task

from backoffice.errors import Conflict

logger = logging.getLogger(__name__)


@shared_task(name="coupang.instant_reconcile", ignore_result=True)
def instant_reconcile() -> int | None:
    """Queue the periodic reconcile of the instant coupons; returns its job id (None while the
    previous one is still open)."""
    from .instant import coupang_instant_reconcile

    try:
        return coupang_instant_reconcile(user=None).pk
    except Conflict:
        logger.info("the previous instant-coupon reconcile is still open")
        return None
