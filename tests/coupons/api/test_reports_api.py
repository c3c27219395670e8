"""GET /api/v1/admin/reports/coupons/ through the real API: the story's figures in camelCase, the
filters, the default period, every bad parameter answered 400 in the one error shape naming it,
and who may read it (merchandiser and CS agent; not the order system, not anonymous)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coupons.api.admin.reports import ReportOut, report_body
from coupons.reports import REPORT_TZ, coupon_report
from coupons.roles import CS_AGENT, MERCHANDISER
from tests.coupons.api.conftest import make_user, token_client
from tests.coupons.test_reports import story  # noqa: F401 (the operations' fixture)
from tests.coupons.use_factories import order_system_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/admin/reports/coupons/"
PERIOD = {"from": "2026-03-01", "to": "2026-04-30"}


def figures(**kw) -> dict:
    base = {
        "issued": 0,
        "used": 0,
        "restored": 0,
        "revoked": 0,
        "expired": 0,
        "usageRate": None,
        "dcAmt": 0,
        "ourDcAmt": 0,
        "entrDcAmt": 0,
    }
    return {**base, **kw}


@pytest.fixture
def md(db):
    return token_client(make_user("report-md", role=MERCHANDISER))


def test_the_report_in_camel_case(story, md):  # noqa: F811
    r = md.get(URL, PERIOD)
    assert r.status_code == 200, r.content
    body = r.json()
    assert list(body) == ["dateFrom", "dateTo", "totals", "byDay", "byPromotion", "byReason"]
    assert (body["dateFrom"], body["dateTo"]) == ("2026-03-01", "2026-04-30")
    assert body["totals"] == figures(
        issued=7,
        used=5,
        restored=4,
        revoked=1,
        expired=5,
        usageRate=0.1429,
        dcAmt=1000,
        ourDcAmt=1000,
    )
    assert len(body["byDay"]) == 61
    assert body["byDay"][11] == {
        "day": "2026-03-12",
        **figures(dcAmt=-1250, ourDcAmt=-750, entrDcAmt=-500),
    }
    assert [p["promoNo"] for p in body["byPromotion"]] == [
        story["s"].promo_no,
        story["g"].promo_no,
        story["c"].promo_no,
        story["t"].promo_no,
    ]
    assert body["byPromotion"][0] == {
        "promoNo": story["s"].promo_no,
        "promoNm": "CS 보상",
        "promoTypCd": "11",
        **figures(
            issued=2, used=2, restored=1, expired=1, usageRate=0.5, dcAmt=1000, ourDcAmt=1000
        ),
    }
    assert [(x["reasonCd"], x["reasonNm"], x["issued"]) for x in body["byReason"]] == [
        ("", "사유 없음", 5),
        ("01", "상품불량", 1),
        ("02", "배송지연", 1),
    ]


@pytest.mark.parametrize(
    "params, totals",
    [
        ({"promoTypCd": "12"}, figures(issued=1, used=1, restored=1, expired=1, usageRate=0.0)),
        (
            {"cpnIssuMainCd": "20"},
            figures(
                issued=2, used=2, restored=1, expired=1, usageRate=0.5, dcAmt=1000, ourDcAmt=1000
            ),
        ),
        ({"channel": "BO"}, figures(issued=1, expired=1, usageRate=0.0)),
        ({"reasonCd": "02"}, figures(issued=1, used=1, usageRate=1.0, dcAmt=1000, ourDcAmt=1000)),
    ],
)
def test_filters(story, md, params, totals):  # noqa: F811
    r = md.get(URL, {**PERIOD, **params})
    assert r.status_code == 200, r.content
    assert r.json()["totals"] == totals


def test_filter_by_promo_no(story, md):  # noqa: F811
    r = md.get(URL, {**PERIOD, "promoNo": story["g"].promo_no})
    assert r.status_code == 200, r.content
    assert r.json()["totals"] == figures(
        issued=3, used=2, restored=2, revoked=1, expired=2, usageRate=0.0
    )
    assert [p["promoNo"] for p in r.json()["byPromotion"]] == [story["g"].promo_no]


def test_the_answer_has_the_documented_shape(story):  # noqa: F811
    report = coupon_report(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    assert report_body(report) == json.loads(json.dumps(ReportOut(report).data))


def test_the_default_period_is_the_last_31_days_ending_today(md):
    today = timezone.localdate(timezone.now(), REPORT_TZ)
    r = md.get(URL)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["dateFrom"], body["dateTo"]) == (
        (today - timedelta(days=30)).isoformat(),
        today.isoformat(),
    )
    assert len(body["byDay"]) == 31
    assert body["totals"] == figures() and body["byPromotion"] == body["byReason"] == []
    only_to = md.get(URL, {"to": "2026-03-31"}).json()
    assert (only_to["dateFrom"], only_to["dateTo"]) == ("2026-03-01", "2026-03-31")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "1999-12-31", "to": "2000-01-05"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"promoNo": "C9999999"}, "promoNo"),
        ({"promoNo": "C10000000"}, "promoNo"),
        ({"promoTypCd": "99"}, "promoTypCd"),
        ({"cpnIssuMainCd": "99"}, "cpnIssuMainCd"),
        ({"channel": "MAIL"}, "channel"),
        ({"reasonCd": "99"}, "reasonCd"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(md, params, field):
    r = md.get(URL, params)
    assert r.status_code == 400, r.content
    body = r.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "VALIDATION_ERROR"
    assert list(body["fields"]) == [field]


def test_the_longest_period_is_accepted(md):
    r = md.get(URL, {"from": "2025-01-02", "to": "2026-01-02"})
    assert r.status_code == 200 and len(r.json()["byDay"]) == 366


@pytest.mark.parametrize("role, status", [(MERCHANDISER, 200), (CS_AGENT, 200), (None, 403)])
def test_who_may_read_the_report(db, role, status):
    client = token_client(make_user(f"report-{role}", role=role))
    assert client.get(URL).status_code == status


def test_not_the_order_system_nor_anonymous(db):
    assert token_client(order_system_user()).get(URL).status_code == 403
    r = APIClient().get(URL)
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHENTICATED"
