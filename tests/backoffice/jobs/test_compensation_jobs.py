"""CS compensation runs are jobs: a broker that is down at submission and a runner killed mid-run
delay a run, never lose it or issue anyone twice (PostgreSQL, real processes)."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from backoffice.celery import app
from backoffice.jobs.models import Job
from backoffice.jobs.services import jobs_sweep
from coupons.compensation import JOB_TARGET, compensation_issue
from coupons.models import CompensationItem, CompensationRun, MemberCoupon, Promotion
from tests.coupons.issuing_factories import cs_promotion, members_sql, staff
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[3]
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
MEMBERS = 1_201  # above the 1,000 that run in the request: a background run

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _use_broker(url) -> None:
    """Point the Celery app at `url`, dropping the connections it pooled for the previous one."""
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = DEAD_BROKER
    settings.JOBS_EAGER = False
    _use_broker(DEAD_BROKER)
    yield
    _use_broker(previous)


def _lock_waiters(conn) -> list[tuple[int]]:
    """Backends of this database waiting for a row lock (the runner behind our lock), other than
    `conn`'s own."""
    return conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchall()


def _numbers(first: int) -> list[str]:
    members_sql(MEMBERS, first=first)
    return [str(first + i) for i in range(MEMBERS)]


def _each_member_once(promotion: Promotion) -> None:
    per_member = (
        MemberCoupon.objects.filter(promotion=promotion)
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    assert sorted(set(per_member)) == [1]
    assert len(per_member) == MEMBERS
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == MEMBERS


def test_a_broker_down_at_submission_gives_the_agent_the_run_page_and_the_sweep_runs_it(
    client, broker_down, settings, caplog
):
    numbers = _numbers(710_000_000)
    promotion = cs_promotion(mbr_issu_lmt_qty=5)
    agent = staff("cs-broker-down", "CS agent")
    client.force_login(agent)
    form = {
        "stage": "issue",
        "submission_key": "broker-down-1",
        "mbr_nos": "\n".join(numbers),
        "promotion": promotion.pk,
        "cs_cpn_pay_caus_cd": "02",
        "memo": "배송 지연",
        "ord_no": "",
    }
    with caplog.at_level(logging.ERROR, logger="backoffice.jobs.services"):
        response = client.post(reverse("admin:coupons_membercoupon_compensation"), form)

    run = CompensationRun.objects.get(submission_key="broker-down-1")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:coupons_membercoupon_compensation_run", args=[run.pk]
    )
    assert any("could not send job" in r.getMessage() for r in caplog.records)
    job = Job.objects.get(target_type=JOB_TARGET, target_id=str(run.pk))
    assert (job.status, job.attempts, job.created_by, job.progress_total) == (
        "PENDING",
        0,
        agent,
        MEMBERS,
    )
    assert (run.status, run.processed) == ("PENDING", 0)
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 0
    assert client.get(response["Location"]).status_code == 200

    # The broker is still down: the in-process sweep (what `serve` runs) picks the job up.
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=True):
        assert jobs_sweep() == [job.pk]
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, job.attempts, job.progress_done) == ("SUCCEEDED", 1, MEMBERS)
    assert (run.status, run.processed, run.issued, run.refused) == ("DONE", MEMBERS, MEMBERS, 0)
    _each_member_once(promotion)


def test_a_runner_killed_mid_run_is_resumed_by_the_sweep_and_issues_nobody_twice(
    broker_down, settings, tmp_path
):
    log = tmp_path / "runner.log"
    numbers = _numbers(720_000_000)
    promotion = cs_promotion(mbr_issu_lmt_qty=5)
    agent = staff("cs-killed", "CS agent")
    run = compensation_issue(
        user=agent, promotion=promotion, mbr_nos=numbers, reason_cd="02", submission_key="kill-1"
    )
    job = Job.objects.get(target_type=JOB_TARGET, target_id=str(run.pk))
    assert job.status == "PENDING"

    # Hold member 150's row so the runner commits the first chunk (1-100) and then waits inside
    # the second; that is where it gets killed.
    blocker = psycopg.connect(_database_url(), autocommit=False)
    watcher = psycopg.connect(_database_url(), autocommit=True)  # a fresh activity view per query
    blocker.execute(
        "SELECT id FROM coupons_compensationitem WHERE run_id = %s AND line_no = 150 FOR UPDATE",
        [run.pk],
    )
    runner = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_sweep"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": "",
            "JOB_SWEEP_GRACE_SECONDS": "0",
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _lock_waiters(watcher) or runner.poll() is not None)
        lock_waiters = _lock_waiters(watcher)
        assert len(lock_waiters) == 1, log.read_text()
        runner.kill()
        runner.wait(timeout=30)
        watcher.execute("SELECT pg_terminate_backend(%s)", [lock_waiters[0][0]])
    finally:
        runner.kill()
        blocker.rollback()
        blocker.close()
        watcher.close()

    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, job.attempts, job.progress_done) == ("RUNNING", 1, 100)
    assert (run.status, run.processed, run.issued) == ("RUNNING", 100, 100)
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 100

    # Not yet stale: the sweep (here the in-process one) leaves a running job alone.
    settings.CELERY_BROKER_URL = ""
    assert jobs_sweep() == []
    # Ten minutes later its lock is stale: the sweep takes it over and resumes at member 101.
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        assert jobs_sweep() == [job.pk]
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.status, job.attempts, job.progress_done) == ("SUCCEEDED", 2, MEMBERS)
    assert (run.status, run.processed, run.issued, run.refused) == ("DONE", MEMBERS, MEMBERS, 0)
    assert not CompensationItem.objects.filter(run=run).exclude(status="ISSUED").exists()
    _each_member_once(promotion)
