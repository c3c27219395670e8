"""With a broker, a push from the admin completes through a real Celery worker process."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from backoffice.jobs.models import Job
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.models import HttpExchange
from tests.waiting import wait_for

from .conftest import coupon_kwargs

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_admin_push_completes_through_a_celery_worker(
    client, sandbox, settings, django_user_model, tmp_path
):
    if not _redis_up():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    from django.contrib.auth.models import Permission

    from backoffice.celery import app
    from marketplaces.coupang.services import coupang_coupon_create

    broker = f"redis://127.0.0.1:6379/{9 + os.getpid() % 6}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": broker,
        "COUPANG_BASE_URL": sandbox.base_url,
        "COUPANG_POLL_INTERVAL_SECONDS": "0.05",
        "JOB_BACKOFF_SECONDS": "0.2",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "backoffice",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--hostname=mkt-test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = broker
    settings.JOBS_EAGER = False
    app.conf.broker_url = broker
    try:
        user = django_user_model.objects.create_user("md-celery", is_staff=True)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["marketplaces", "jobs"])
        )
        client.force_login(user)
        coupon = coupang_coupon_create(user=user, **coupon_kwargs())

        client.post(
            reverse("admin:marketplaces_coupangcoupon_changelist"),
            {"action": "create_on_coupang", "_selected_action": [coupon.pk]},
        )

        job = Job.objects.get()
        wait_for(
            lambda: Job.objects.filter(pk=job.pk).exclude(status__in=Job.OPEN_STATUSES).exists(),
            timeout=60,
        )
        job.refresh_from_db()
        output = log.read_text()
        assert job.status == "SUCCEEDED", (job.status, job.last_error, output[-3000:])
        coupon.refresh_from_db()
        assert coupon.local_status == CoupangCoupon.LocalStatus.PUSHED
        assert list(sandbox.snapshot("coupang")["coupons"]) == [coupon.coupon_id]
        assert HttpExchange.objects.filter(job=job).count() >= 4
        assert "Task jobs.run[" in output and "succeeded" in output
    finally:
        app.conf.broker_url = previous
        app.pool.force_close_all()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
