"""The job engine: durable rows, one runner per job, retries, DEAD, the sweep, in-process runs.

The scripted handler raises what marketplace handlers raise (the client base's error tree)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from backoffice.jobs.engine import job_attempt
from backoffice.jobs.errors import RetryLater
from backoffice.jobs.models import Job
from backoffice.jobs.registry import register
from backoffice.jobs.services import job_enqueue, job_heartbeat, jobs_join_inprocess, jobs_sweep
from coupons.errors import Conflict
from marketplaces.http import FinalError, PlainFinalError, RetryableError

pytestmark = pytest.mark.django_db
CALLS: list[tuple[int, int]] = []
SCRIPT: dict[str, list] = {}


def _scripted(job):
    """Pops the next outcome for this target: an exception to raise or a result to return."""
    CALLS.append((job.pk, job.attempts))
    outcome = SCRIPT[job.target_id].pop(0)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


register("test.scripted", "run", _scripted)


def sync_job_run(job_id):
    """One attempt, without dispatching the retry it may ask for."""
    return job_attempt(job_id)[0]


@pytest.fixture(autouse=True)
def engine(settings):
    CALLS.clear()
    SCRIPT.clear()
    settings.CELERY_BROKER_URL = ""
    settings.JOBS_EAGER = True
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_BACKOFF_SECONDS = 0.01
    settings.JOB_STALE_SECONDS = 60
    settings.JOB_SWEEP_GRACE_SECONDS = 0


def enqueue(target_id, *outcomes, capture=None, **kwargs):
    SCRIPT[target_id] = list(outcomes)
    if capture is None:
        return job_enqueue(
            target_type="test.scripted", target_id=target_id, operation="run", **kwargs
        )
    with capture(execute=True):
        job = job_enqueue(
            target_type="test.scripted", target_id=target_id, operation="run", **kwargs
        )
    job.refresh_from_db()
    return job


def test_job_is_written_in_the_callers_transaction_and_runs_only_after_commit(
    django_capture_on_commit_callbacks, django_user_model
):
    user = django_user_model.objects.create_user("u1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = enqueue("a", {"ok": 1}, user=user)
    assert CALLS == []  # nothing ran before commit
    assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result, job.created_by) == (
        "SUCCEEDED",
        1,
        {"ok": 1},
        user,
    )
    assert job.finished_at is not None and job.locked_by == ""


def test_rolled_back_request_leaves_no_job_and_runs_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue("b", {"ok": 1})
                raise RuntimeError("the admin action failed later")
        except RuntimeError:
            pass
    assert callbacks == []
    assert Job.objects.count() == 0
    assert CALLS == []


def test_retryable_errors_are_retried_until_success(django_capture_on_commit_callbacks):
    job = enqueue(
        "c",
        RetryableError("503 one"),
        RetryableError("503 two"),
        {"done": True},
        capture=django_capture_on_commit_callbacks,
    )
    assert (job.status, job.attempts, job.result) == ("SUCCEEDED", 3, {"done": True})
    assert [a for _, a in CALLS] == [1, 2, 3]
    assert job.last_error == ""


def test_final_error_fails_at_once_with_the_marketplace_message(django_capture_on_commit_callbacks):
    job = enqueue(
        "d",
        FinalError("policies[0] 금액 정보는 10원 단위로 입력해야 합니다.", status=400),
        {"never": 1},
        capture=django_capture_on_commit_callbacks,
    )
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == "policies[0] 금액 정보는 10원 단위로 입력해야 합니다."
    assert SCRIPT["d"] == [{"never": 1}]  # not retried


def test_plain_final_error_is_not_retried(django_capture_on_commit_callbacks):
    job = enqueue(
        "e",
        PlainFinalError("ESM has retired the sponsorship API"),
        capture=django_capture_on_commit_callbacks,
    )
    assert (job.status, job.attempts, job.last_error) == (
        "FAILED",
        1,
        "ESM has retired the sponsorship API",
    )


def test_after_the_last_attempt_the_job_is_dead_with_its_reason(django_capture_on_commit_callbacks):
    job = enqueue(
        "f",
        *[RetryableError("Service Unavailable")] * 5,
        capture=django_capture_on_commit_callbacks,
    )
    assert (job.status, job.attempts) == ("DEAD", 3)
    assert job.last_error == "3회 시도 후 중단: Service Unavailable"
    assert len(SCRIPT["f"]) == 2


def test_unexpected_exceptions_are_retried_then_dead(django_capture_on_commit_callbacks):
    job = enqueue(
        "g",
        ValueError("boom"),
        ValueError("boom"),
        ValueError("boom"),
        capture=django_capture_on_commit_callbacks,
    )
    assert job.status == "DEAD"
    assert job.last_error == "3회 시도 후 중단: 내부 오류: boom"


def test_retry_after_sets_the_next_attempt(settings):
    settings.JOBS_EAGER = False
    job = enqueue("h", RetryableError("Too Many Requests", status=429, retry_after=30))
    before = timezone.now()
    job = sync_job_run(job.pk)
    assert job.status == "PENDING"
    assert job.last_error == "Too Many Requests"
    assert before + timedelta(seconds=29) < job.next_attempt_at < before + timedelta(seconds=32)
    # Not due yet: a second runner does nothing.
    assert sync_job_run(job.pk).attempts == 1
    assert len(CALLS) == 1


def test_two_runners_never_run_one_job(settings):
    job = enqueue("i", {"ok": 1})
    Job.objects.filter(pk=job.pk).update(
        status="RUNNING", locked_at=timezone.now(), locked_by="other-worker", attempts=1
    )
    again = sync_job_run(job.pk)
    assert (again.status, again.locked_by, again.attempts) == ("RUNNING", "other-worker", 1)
    assert CALLS == []


def test_sweep_takes_over_a_job_whose_worker_died_and_runs_lost_pending_jobs(settings):
    dead = enqueue("j", {"ok": "j"})
    lost = enqueue("k", {"ok": "k"})
    fresh = enqueue("l", {"ok": "l"})
    long_ago = timezone.now() - timedelta(seconds=120)
    Job.objects.filter(pk=dead.pk).update(
        status="RUNNING", locked_at=long_ago, locked_by="host:123:dead", attempts=1
    )
    Job.objects.filter(pk=lost.pk).update(next_attempt_at=long_ago)
    Job.objects.filter(pk=fresh.pk).update(
        status="RUNNING", locked_at=timezone.now(), locked_by="alive", attempts=1
    )
    swept = jobs_sweep()
    assert sorted(swept) == sorted([dead.pk, lost.pk])
    dead.refresh_from_db(), lost.refresh_from_db(), fresh.refresh_from_db()
    assert (dead.status, dead.attempts, dead.result) == ("SUCCEEDED", 2, {"ok": "j"})
    assert (lost.status, lost.attempts) == ("SUCCEEDED", 1)
    assert (fresh.status, fresh.locked_by) == ("RUNNING", "alive")


def test_a_job_whose_runners_keep_dying_ends_dead(settings):
    job = enqueue("m", {"ok": 1})
    Job.objects.filter(pk=job.pk).update(
        status="RUNNING",
        attempts=3,
        locked_by="x",
        locked_at=timezone.now() - timedelta(seconds=120),
    )
    job = sync_job_run(job.pk)
    assert job.status == "DEAD"
    assert job.last_error == "3회 시도 후 중단: 작업자가 응답 없이 중단되었습니다."
    assert CALLS == []


def test_one_open_job_per_target():
    enqueue("n", {"ok": 1})
    with pytest.raises(Conflict) as caught:
        enqueue("n", {"ok": 2})
    assert caught.value.code == "SYNC_JOB_OPEN"
    assert Job.objects.filter(target_id="n").count() == 1


def test_heartbeat_refuses_a_runner_that_lost_its_lock():
    job = enqueue("o", {"ok": 1})
    Job.objects.filter(pk=job.pk).update(status="RUNNING", locked_by="new-owner")
    job.locked_by = "old-owner"
    with pytest.raises(RetryLater):
        job_heartbeat(job, done=1, total=2)
    assert Job.objects.get(pk=job.pk).progress_done == 0


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_in_process_after_commit(settings):
    settings.JOBS_EAGER = False
    SCRIPT["p"] = [RetryableError("503"), {"ok": "thread"}]
    with transaction.atomic():
        job = job_enqueue(target_type="test.scripted", target_id="p", operation="run")
        assert jobs_join_inprocess(10)
        assert CALLS == []  # not before commit
    assert jobs_join_inprocess(10)  # the attempt's thread and then its retry's
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result) == ("SUCCEEDED", 2, {"ok": "thread"})


def test_sweep_command(settings):
    from io import StringIO

    from django.core.management import call_command

    job = enqueue("q", {"ok": "cmd"})
    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    call_command("jobs_sweep", stdout=out)
    assert out.getvalue() == f"jobs swept: 1 [{job.pk}]\n"
    job.refresh_from_db()
    assert job.status == "SUCCEEDED"


def test_a_job_without_a_handler_fails_instead_of_hanging():
    job = Job.objects.create(
        target_type="test.unknown", target_id="1", operation="nope", next_attempt_at=timezone.now()
    )
    job = sync_job_run(job.pk)
    assert (job.status, job.last_error) == ("FAILED", "no job handler for test.unknown/nope")
