"""The cost report's scenario (issue 13): the 31-day report through the admin API, the
merchandiser's desk (`/admin/`) and the admin report page, over real HTTP against the bench
server, beside the member-coupon changelist measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench --only reports
"""

from __future__ import annotations

from datetime import timedelta

import requests  # noqa: TID251 - the benchmark is an HTTP client of our own server, not a marketplace client
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bench.scenarios import _timed, figure, pct
from coupons.reports import REPORT_TZ
from coupons.roles import MERCHANDISER, role_group

MD_USERNAME = "bench-md"
MD_PASSWORD = "bench-md-password"
REPORT_PAGE = "/admin/coupons/coupondailystat/"
CHANGELIST = "/admin/coupons/membercoupon/"
REPORT_P99_MS = 500
DESK_P99_MS = 300


def bench_merchandiser():
    """A merchandiser (the role's permissions only), for the desk and the report."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=MD_USERNAME, defaults={"is_staff": True})
    if created:
        user.set_password(MD_PASSWORD)
        user.save()
        user.groups.add(role_group(MERCHANDISER))
    return user


def _signed_in(server) -> requests.Session:
    session = requests.Session()
    login = server.url + "/admin/login/"
    session.get(login, timeout=30)
    r = session.post(
        login,
        data={
            "username": MD_USERNAME,
            "password": MD_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=30,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError(f"admin login as {MD_USERNAME} failed: {r.status_code}")
    return session


def _ms(latencies: list[float], p: float) -> float:
    return pct(latencies, p) * 1000


def run(*, sizes, server, n: int = 100) -> list[dict]:
    user = bench_merchandiser()
    token, _ = Token.objects.get_or_create(user=user)
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token.key}"
    url = server.url + "/api/v1/admin/reports/coupons/"
    # The default period is the 31 days ending today; every other request adds a filter, so the
    # figure covers the joins the filters add.
    filters = [
        {},
        {"promoTypCd": "11"},
        {},
        {"channel": "FO_DOWNLOAD"},
        {},
        {"cpnIssuMainCd": "10"},
    ]
    _timed(api, "GET", url, 10, lambda i: {})  # warm up every worker
    report = _timed(api, "GET", url, n, lambda i: {"params": filters[i % len(filters)]})
    body = api.get(url, timeout=30).json()
    print(
        f"  31-day report: {body['dateFrom']} – {body['dateTo']}, issued {body['totals']['issued']:,}, "
        f"used {body['totals']['used']:,}, {len(body['byPromotion']):,} promotions"
    )
    year = _timed(api, "GET", url, max(n // 5, 5), lambda i: {"params": {"from": _year_ago()}})

    session = _signed_in(server)
    _timed(session, "GET", server.url + "/admin/", 5, lambda i: {})
    desk = _timed(session, "GET", server.url + "/admin/", n, lambda i: {})
    _timed(session, "GET", server.url + CHANGELIST, 5, lambda i: {})
    changelist = _timed(session, "GET", server.url + CHANGELIST, n // 2, lambda i: {})

    report_p99, desk_p99 = _ms(report, 99), _ms(desk, 99)
    changelist_p99 = _ms(changelist, 99)
    results = [
        figure("report API 31 days p50", _ms(report, 50), "ms"),
        figure(
            "report API 31 days p99",
            report_p99,
            "ms",
            f"<= {REPORT_P99_MS}",
            report_p99 <= REPORT_P99_MS,
        ),
        figure("report API 366 days p50", _ms(year, 50), "ms"),
        figure("report API 366 days p99", _ms(year, 99), "ms"),
        figure("admin desk (merchandiser) p50", _ms(desk, 50), "ms"),
        figure(
            "admin desk (merchandiser) p99",
            desk_p99,
            "ms",
            f"<= {DESK_P99_MS}",
            desk_p99 <= DESK_P99_MS,
        ),
    ]
    probe = session.get(server.url + REPORT_PAGE, timeout=60)
    if probe.status_code == 404:
        print(f"  admin report page: {REPORT_PAGE} answers 404 (not built yet), skipped")
    elif probe.status_code != 200:
        raise RuntimeError(f"GET {REPORT_PAGE} -> {probe.status_code}: {probe.text[:300]}")
    else:
        _timed(session, "GET", server.url + REPORT_PAGE, 5, lambda i: {})
        page = _timed(session, "GET", server.url + REPORT_PAGE, n // 2, lambda i: {})
        page_p99 = _ms(page, 99)
        results += [
            figure("admin report page 31 days p50", _ms(page, 50), "ms"),
            figure("admin report page 31 days p99", page_p99, "ms"),
        ]
    results += [
        figure("admin member-coupon changelist p50 (same run)", _ms(changelist, 50), "ms"),
        figure("admin member-coupon changelist p99 (same run)", changelist_p99, "ms"),
        figure("report API p99 / changelist p99", report_p99 / changelist_p99, "ratio"),
        figure("desk p99 / changelist p99", desk_p99 / changelist_p99, "ratio"),
    ]
    return results


def _year_ago() -> str:
    return (timezone.localdate(timezone.now(), REPORT_TZ) - timedelta(days=365)).isoformat()
