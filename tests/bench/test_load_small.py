"""A small version of the load scenario (bench/load.py), on PostgreSQL: wrk for about a second
per run against a live gunicorn (2 workers) on the small data set, through the Lua script and
the parser — counts that add up, only the expected statuses, and a first-come limit of 20 over
8 connections issuing exactly 20."""

import random
import shutil

import pytest

from bench import dataset, load
from bench.scenarios import Server
from coupons.models import MemberCoupon
from tests.servers import database_url

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True),  # the server reads what the test committed
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


@pytest.fixture
def server():
    sizes = dataset.Sizes.small()
    dataset.build(sizes, log=lambda *_: None)
    with Server(workers=load.WORKERS, env={"DATABASE_URL": database_url()}) as live:
        yield sizes, live


def sane(run: load.Run, status: int) -> None:
    assert run.requests > 0 and run.seconds > 0
    assert run.statuses == {status: run.requests}, run.statuses
    assert run.unexpected == 0, run.errors
    assert 0 < run.p50_ms <= run.p99_ms


def test_wrk_runs_parse_and_a_first_come_limit_holds(server):
    sizes, live = server
    rng = random.Random(3)

    floor = load.wrk(
        live.url,
        [("GET", load.BOX.format(sort="10"), "", "")],
        connections=4,
        duration=1,
        expect=(401,),
    )
    sane(floor, 401)
    health = load.wrk(live.url, [("GET", "/healthz", "", "")], connections=4, duration=1)
    sane(health, 200)
    box = load.wrk(live.url, load.box_lines(sizes, 300, rng), connections=4, duration=1)
    sane(box, 200)
    detail = load.wrk(live.url, load.detail_lines(sizes, 300, rng, "20"), connections=4, duration=1)
    sane(detail, 200)

    figures, info = load.first_come(live, sizes, floor, limit=20, burst=100, connections=8)
    run = info["run"]
    assert info["in_db"] == info["counter"] == 20
    # every one of the burst's members answered once: 20 issued, 80 refused (sold out)
    assert run.statuses == {200: 20, 409: 80} and run.requests == 100
    assert run.unexpected == 0 and run.seconds > 0
    issued = next(f for f in figures if f["name"].startswith("first-come cpnDown: issued"))
    assert issued["value"] == 20 and issued["met"] is True
    ratio = next(f for f in figures if f["name"] == "first-come cpnDown / 401 floor")
    assert ratio["value"] == pytest.approx(run.rps / floor.rps, abs=1e-3)  # rounded
    # the scenario drops its promotion and copies
    assert not MemberCoupon.objects.filter(promotion__promo_nm="bench first-come (wrk)").exists()


def test_parse_reads_the_lua_summary():
    text = (
        "Running 1s test\nWRK_JSON "
        '{"requests": 5, "duration_us": 1000000, "bytes": 10, "errors": {"connect": 0, '
        '"read": 0, "write": 0, "status": 1, "timeout": 0}, "statuses": {"200": 4, "401": 1}, '
        '"latency_us": {"min": 1, "mean": 2.0, "max": 3, "p50": 2, "p90": 3, "p99": 3}, '
        '"burst_us": 0}\n'
    )
    assert load.parse(text)["statuses"] == {"200": 4, "401": 1}
    with pytest.raises(RuntimeError):
        load.parse("wrk: connection refused\n")
