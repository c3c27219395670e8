"""`make run`'s server (`manage.py serve`: gunicorn with threads, the sandbox beside it) on
PostgreSQL under 64 concurrent first-come `cpnDown` clients: no 5xx, no connection refused or
reset, exactly the limit issued, and the database connections bounded by workers × threads."""

from __future__ import annotations

import json
import sys
import threading

import psycopg
import pytest
from django.contrib.auth import get_user_model

from coupons import codes, services
from coupons.models import Member, MemberCoupon, Promotion
from tests.coupons.api.conftest import JWT_SECRET, member_token
from tests.factories import promotion_data
from tests.servers import BIN, Process, database_url, free_port, get, server_env

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
CLIENTS = 64
PER_CLIENT = 5
LIMIT = 200
WORKERS, THREADS = 2, 8


def _backends(url: str) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_serve_holds_64_concurrent_download_clients_and_issues_exactly_the_limit():
    User = get_user_model()
    md, approver = User.objects.create_user("md"), User.objects.create_user("md2")
    promotion = services.promotion_create(
        user=md, data=promotion_data(promo_nm="선착순 200", issu_lmt_qty=LIMIT, mbr_issu_lmt_qty=1)
    )
    promotion = services.promotion_approve(user=approver, promotion=promotion)
    members = [f"{500000000 + i}" for i in range(CLIENTS * PER_CLIENT)]
    Member.objects.bulk_create(
        Member(mbr_no=m, grade_cd=codes.Grade.GOLD, site_no="1") for m in members
    )
    tokens = {m: member_token(m, ttl=3600) for m in members}
    port, sandbox_port = free_port(), free_port()
    env = server_env(MEMBER_JWT_SECRET=JWT_SECRET, CONN_MAX_AGE=600, SANDBOX_PORT=sandbox_port)
    argv = [
        str(BIN / "python"),
        "manage.py",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
    ]
    baseline = _backends(database_url())
    statuses: dict[int, int] = {}
    issued = [0]
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    with Process([sys.executable, *argv[1:]], env=env, port=port) as server:
        # the sandbox runs beside the web server; the admin's static files come from the app
        assert get(f"http://127.0.0.1:{sandbox_port}/")[0] < 500
        status, headers, css = get(server.url + "/static/admin/css/base.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and css
        # what gunicorn lets through, Django refuses in the API's error shape
        status, _, body = get(server.url + "/api/v1/admin/members/", {"X-Padding": "a" * 20_000})
        assert (status, json.loads(body)["code"]) == (431, "HEADERS_TOO_LARGE")
        status, _, body = get(
            server.url + "/api/v1/admin/members/bulk/",
            {"Content-Type": "application/json"},
            data=b'{"rows": [' + b" " * (10 * 1024 * 1024) + b"]}",
        )
        assert (status, json.loads(body)["code"]) == (413, "REQUEST_TOO_LARGE")

        def client(batch):
            barrier.wait()
            for mbr in batch:
                try:
                    status, _, body = get(
                        server.url + "/v1/marketing/cpnDown",
                        {
                            "Authorization": f"Bearer {tokens[mbr]}",
                            "Content-Type": "application/json",
                        },
                        data=json.dumps({"promoNoList": [promotion.promo_no]}).encode(),
                    )
                except OSError as exc:  # refused, reset, timed out
                    with lock:
                        failures.append(f"{mbr}: {exc!r}")
                    continue
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 200:
                        issued[0] += json.loads(body)["issuedCnt"]
                    elif status != 409 or json.loads(body)["results"][0]["code"] != "SOLD_OUT":
                        failures.append(f"{mbr}: {status} {body[:200]!r}")

        threads = [
            threading.Thread(target=client, args=(members[c::CLIENTS],)) for c in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        during = _backends(database_url()) - baseline
    assert failures == []
    assert statuses == {200: LIMIT, 409: CLIENTS * PER_CLIENT - LIMIT}
    assert issued[0] == LIMIT
    assert MemberCoupon.objects.filter(promotion=promotion).count() == LIMIT
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == LIMIT
    # each worker thread holds at most one connection (plus the master's sweeper)
    assert during <= WORKERS * THREADS + 1, during
