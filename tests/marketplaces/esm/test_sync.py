"""ESM sponsorship services and jobs end to end against the sandbox: push (POST then PUT),
release, pull with differences, every rule refused with nothing sent, a bad token, a retired
API, and faults."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import services as esm
from marketplaces.esm.models import EsmSponsorship
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

GOODS = "1158387297"
RETIRED = "ESM has retired the sponsorship API"


def values(**overrides) -> dict:
    data = {
        "gmkt_is_use": True,
        "gmkt_amount": 1_000,
        "gmkt_max_amount": 100_000,
        "gmkt_field": 1,
        "gmkt_start_date": date(2026, 12, 1),
        "gmkt_end_date": date(2026, 12, 31),
        "iac_is_use": True,
        "iac_start_date": date(2026, 12, 1),
        "iac_end_date": date(2027, 1, 31),
    }
    data.update(overrides)
    return data


@pytest.fixture
def make(sandbox, merchandiser):
    def make(goods_no=GOODS, **overrides):
        return esm.esm_sponsorship_create(
            user=merchandiser, goods_no=goods_no, **values(**overrides)
        )

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service that enqueues a job; the job runs inline after commit. Returns the job."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = service(**kwargs)
        job.refresh_from_db()
        return job

    return run


def sponsorship_calls():
    return list(
        HttpExchange.objects.filter(path__endswith="/customer-benefit/sponsorship")
        .order_by("id")
        .values_list("method", "status_code")
    )


def test_push_registers_then_modifies(make, run, sandbox, merchandiser):
    sponsorship = make()
    assert sponsorship.local_state == "DRAFT" and sponsorship.remote_state == "NOT_REGISTERED"
    assert sponsorship.price_gmkt == sandbox_esm.derived_price(GOODS)["gmkt"]  # read on save

    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 1, "POST")
    sponsorship.refresh_from_db()
    assert (sponsorship.local_state, sponsorship.remote_state) == ("SYNCED", "REGISTERED")
    assert sandbox_esm.stored(sandbox.state, GOODS) == {
        "gmarket": {
            "isUse": True,
            "amount": 1000,
            "maxAmount": 100_000,
            "field": 1,
            "startDate": "2026-12-01",
            "endDate": "2026-12-31",
        },
        "auction": {"isUse": True, "startDate": "2026-12-01", "endDate": "2027-01-31"},
    }

    sponsorship = esm.esm_sponsorship_update(
        sponsorship=sponsorship, user=merchandiser, gmkt_amount=2_500, iac_is_use=False
    )
    assert sponsorship.local_state == "DRAFT"
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.result["operation"]) == ("SUCCEEDED", "PUT")
    stored = sandbox_esm.stored(sandbox.state, GOODS)
    assert stored["gmarket"]["amount"] == 2_500 and stored["auction"]["isUse"] is False
    assert sponsorship_calls() == [("POST", 200), ("PUT", 200)]
    assert HttpExchange.objects.filter(job=job).count() == 2  # price read, then PUT


def test_release_deletes_and_read_shows_nothing(make, run, sandbox, merchandiser):
    sponsorship = make()
    run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)

    job = run(esm.esm_sponsorship_release, sponsorship=sponsorship, user=merchandiser)
    assert job.status == "SUCCEEDED"
    sponsorship.refresh_from_db()
    assert (sponsorship.local_state, sponsorship.remote_state) == ("RELEASED", "NOT_REGISTERED")
    assert sandbox_esm.stored(sandbox.state, GOODS) is None

    job = run(esm.esm_sponsorship_pull, sponsorship=sponsorship, user=merchandiser)
    assert job.result["registered"] is False
    # pushing again after a release registers anew
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert job.result["operation"] == "POST"
    assert sponsorship_calls() == [("POST", 200), ("DELETE", 200), ("GET", 200), ("POST", 200)]


def test_release_of_something_never_registered_is_refused_locally(make, merchandiser):
    from coupons.errors import DomainError

    with pytest.raises(DomainError):
        esm.esm_sponsorship_release(sponsorship=make(), user=merchandiser)
    assert sponsorship_calls() == []


@pytest.mark.parametrize("field_format", ["name", "number"])
def test_pull_detects_a_change_made_on_esm(make, run, sandbox, merchandiser, field_format):
    sandbox.configure("esm", field_format=field_format)
    sponsorship = make(gmkt_field=6)
    run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)

    job = run(esm.esm_sponsorship_pull, sponsorship=sponsorship, user=merchandiser)
    assert job.result["differences"] == []  # 99 / "Etc" read as 6
    sponsorship.refresh_from_db()
    assert sponsorship.local_state == "SYNCED"

    # A seller edits in ESM Plus: amount and the Auction end date change there.
    remote = sandbox_esm.stored(sandbox.state, GOODS)
    remote["gmarket"]["amount"] = 3_000
    remote["auction"]["endDate"] = "2027-02-28"
    sandbox_esm.store(sandbox.state, GOODS, remote)

    job = run(esm.esm_sponsorship_pull, sponsorship=sponsorship, user=merchandiser)
    assert job.status == "SUCCEEDED"
    assert [(d["field"], d["local"], d["remote"]) for d in job.result["differences"]] == [
        ("gmarket.amount", 1_000, 3_000),
        ("auction.endDate", "2027-01-31", "2027-02-28"),
    ]
    sponsorship.refresh_from_db()
    assert sponsorship.local_state == "DRAFT"  # local and ESM disagree
    assert sponsorship.remote_payload["gmarket"]["amount"] == 3_000
    assert sponsorship.remote_read_at is not None
    assert len(esm.esm_sponsorship_differences(sponsorship)) == 2
    # the settings themselves are not overwritten by a pull
    assert sponsorship.gmkt_amount == 1_000


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"gmkt_amount": 99}, "gmkt_amount"),
        ({"gmkt_max_amount": 9_999}, "gmkt_max_amount"),
        ({"gmkt_field": 0}, "gmkt_field"),
        ({"gmkt_field": 7}, "gmkt_field"),
        ({"gmkt_field": 99}, "gmkt_field"),
        ({"gmkt_start_date": date(2027, 1, 1)}, "gmkt_end_date"),
        ({"iac_start_date": date(2027, 3, 1)}, "iac_end_date"),
        ({"gmkt_amount": None}, "gmkt_amount"),
        ({"iac_end_date": None}, "iac_end_date"),
        ({"gmkt_is_use": False, "iac_is_use": False}, "__all__"),
    ],
)
def test_each_rule_is_refused_locally_with_nothing_sent(make, sandbox, overrides, field):
    with pytest.raises(ValidationError) as caught:
        make(**overrides)
    assert field in caught.value.message_dict
    assert not EsmSponsorship.objects.exists()
    assert HttpExchange.objects.count() == 0  # not even the price read
    assert sandbox.snapshot("esm") == {}


def test_goods_no_must_be_digits(make, sandbox):
    with pytest.raises(ValidationError) as caught:
        make(goods_no="01234")
    assert list(caught.value.message_dict) == ["goods_no"]
    assert HttpExchange.objects.count() == 0


def test_amount_above_80_percent_of_gmarket_price_is_refused_with_the_price_used(make, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 5_000)
    with pytest.raises(ValidationError) as caught:
        make(gmkt_amount=4_010)
    message = caught.value.message_dict["gmkt_amount"][0]
    assert "5,000원" in message and "4,000원" in message and "조회" in message
    assert not EsmSponsorship.objects.exists()
    # only the price was read; nothing was written to ESM
    assert list(HttpExchange.objects.values_list("method", "path")) == [
        ("GET", f"/item/v1/goods/{GOODS}/price")
    ]
    assert sandbox_esm.stored(sandbox.state, GOODS) is None
    assert make(gmkt_amount=4_000).price_gmkt == 5_000  # exactly 80 % is allowed


def test_price_rule_is_checked_again_at_push_and_nothing_is_sent(make, run, sandbox, merchandiser):
    sponsorship = make(gmkt_amount=5_000)
    sandbox_esm.set_price(sandbox.state, GOODS, 6_000)  # the price fell after saving

    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "6,000원" in job.last_error and "4,800원" in job.last_error
    sponsorship.refresh_from_db()
    assert sponsorship.local_state == "FAILED" and sponsorship.last_error == job.last_error
    assert (sponsorship.price_gmkt, sponsorship.amount_ceiling) == (6_000, 4_800)
    assert sponsorship_calls() == []
    assert sandbox_esm.stored(sandbox.state, GOODS) is None


@pytest.mark.parametrize("casing", ["camel", "pascal"])
def test_esm_refusal_reaches_the_job_and_the_row(make, run, sandbox, merchandiser, casing):
    sandbox.configure("esm", error_casing=casing, foreign_goods=[GOODS])
    sponsorship = make(gmkt_is_use=False)  # Auction only: no price read before the POST
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == "[1000] 해당 판매자의 상품이 아닙니다"
    sponsorship.refresh_from_db()
    assert sponsorship.last_error == job.last_error and sponsorship.local_state == "FAILED"


def test_bad_token_is_reported_as_a_credentials_problem(make, run, sandbox, merchandiser):
    sponsorship = make()
    sandbox.configure("esm", master_id="another-master")  # the token's kid no longer matches

    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert "credentials" in job.last_error
    assert "The user does not have right access to the api" in job.last_error
    assert list(HttpExchange.objects.filter(job=job).values_list("status_code", flat=True)) == [401]
    assert sandbox_esm.stored(sandbox.state, GOODS) is None


@pytest.mark.parametrize("service", ["push", "release", "pull"])
def test_retired_api_fails_once_with_the_plain_message(make, run, sandbox, merchandiser, service):
    sponsorship = make()
    if service != "push":
        run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    before = HttpExchange.objects.count()
    sandbox.inject("esm", "retired", times=100, path_contains="/customer-benefit/sponsorship")

    job = run(
        getattr(esm, f"esm_sponsorship_{service}"), sponsorship=sponsorship, user=merchandiser
    )
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert RETIRED in job.last_error
    sponsorship.refresh_from_db()
    assert RETIRED in sponsorship.last_error
    # one refused sponsorship call; the price API (still alive) proved the token good
    calls = list(HttpExchange.objects.order_by("id")[before:].values_list("path", "status_code"))
    assert [c for c in calls if c[0].endswith("sponsorship")] == [
        (f"/item/v1/goods/{GOODS}/customer-benefit/sponsorship", 401)
    ]


def test_two_5xx_then_success_registers_once(make, run, sandbox, merchandiser):
    sponsorship = make()
    sandbox.inject("esm", "5xx", times=2, method="POST", status=503)
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts) == ("SUCCEEDED", 3)
    assert sponsorship_calls() == [("POST", 503), ("POST", 503), ("POST", 200)]


def test_a_lost_post_answer_is_reconciled_not_sent_twice(make, run, sandbox, merchandiser):
    sponsorship = make()
    sandbox.inject("esm", "drop_after_apply", times=1, method="POST")
    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 2, "PUT")
    # POST applied but unanswered -> the next attempt looks first (GET) and modifies (PUT)
    assert [m for m, _ in sponsorship_calls()] == ["POST", "GET", "PUT"]
    sponsorship.refresh_from_db()
    assert (sponsorship.local_state, sponsorship.remote_state) == ("SYNCED", "REGISTERED")


def test_a_second_push_while_one_is_open_is_a_conflict(
    make, merchandiser, django_capture_on_commit_callbacks
):
    from coupons.errors import Conflict

    sponsorship = make()
    with django_capture_on_commit_callbacks(execute=False):
        esm.esm_sponsorship_push(sponsorship=sponsorship, user=merchandiser)
        with pytest.raises(Conflict):
            esm.esm_sponsorship_push(sponsorship=sponsorship, user=merchandiser)
    assert Job.objects.filter(target_type="esm.sponsorship").count() == 1


def test_a_job_whose_row_was_deleted_fails_plainly(
    make, merchandiser, sandbox, django_capture_on_commit_callbacks
):
    sponsorship = make()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = esm.esm_sponsorship_push(sponsorship=sponsorship, user=merchandiser)
    EsmSponsorship.objects.filter(pk=sponsorship.pk).delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("FAILED", 1)
    assert job.last_error == f"상품 {GOODS}의 후원/나눔쇼핑 설정이 삭제되었습니다."
    assert sponsorship_calls() == []


# --- a read answered "nothing registered" as a 1000 refusal (MARKETPLACES.md) -------------------
def test_pull_of_a_goods_with_nothing_registered_succeeds_as_not_registered(
    make, run, sandbox, merchandiser
):
    sandbox.configure("esm", unregistered_read="refusal")
    sponsorship = make()

    job = run(esm.esm_sponsorship_pull, sponsorship=sponsorship, user=merchandiser)

    sponsorship.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 1), job.last_error
    assert job.result["registered"] is False
    assert (sponsorship.remote_state, sponsorship.last_error) == ("NOT_REGISTERED", "")
    assert sponsorship.remote_read_at is not None
    assert sponsorship.remote_payload["resultCode"] == 1000
    assert sponsorship_calls() == [("GET", 400)]


def test_a_lost_release_answer_then_a_refused_read_counts_as_released(
    make, run, sandbox, merchandiser
):
    sponsorship = make()
    run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)
    sandbox.configure("esm", unregistered_read="refusal")
    sandbox.inject("esm", "drop_after_apply", times=1, method="DELETE")

    job = run(esm.esm_sponsorship_release, sponsorship=sponsorship, user=merchandiser)

    sponsorship.refresh_from_db()
    assert (job.status, job.attempts) == ("SUCCEEDED", 2), job.last_error
    assert (sponsorship.local_state, sponsorship.remote_state) == ("RELEASED", "NOT_REGISTERED")
    # DELETE applied, unanswered; again: "not registered", so look (refused as nothing): released
    assert sponsorship_calls() == [("POST", 200), ("DELETE", None), ("DELETE", 400), ("GET", 400)]


def test_a_lost_post_then_a_refused_read_registers_once(make, run, sandbox, merchandiser):
    sandbox.configure("esm", unregistered_read="refusal")
    sponsorship = make()
    sandbox.inject("esm", "5xx", times=1, method="POST", status=502)  # nothing applied

    job = run(esm.esm_sponsorship_push, sponsorship=sponsorship, user=merchandiser)

    sponsorship.refresh_from_db()
    assert (job.status, job.attempts, job.result["operation"]) == ("SUCCEEDED", 2, "POST")
    # The outcome was unknown: look first (nothing registered, refused as such), then register.
    assert sponsorship_calls() == [("POST", 502), ("GET", 400), ("POST", 200)]
    assert (sponsorship.local_state, sponsorship.remote_state) == ("SYNCED", "REGISTERED")
    assert sandbox_esm.stored(sandbox.state, GOODS) is not None
