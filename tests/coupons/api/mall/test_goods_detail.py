"""POST /v1/marketing/goodsDetailCpnList: both cpnTypes, both sortGbs, paging, eligibility."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coupons import codes, issuing
from coupons.models import MemberCoupon
from tests.coupons.api.conftest import (
    issue,
    make_exhibition,
    make_goods,
    make_member,
    member_client,
)

URL = "/v1/marketing/goodsDetailCpnList"
ROW_FIELDS = {
    "promoNo",
    "promoNm",
    "promoTypCd",
    "cpnIssuMainCd",
    "cpnIssuWayCd",
    "fixAmtFxrtGbCd",
    "dcRateAmt",
    "minBuyAmt",
    "minBuyQty",
    "maxDcAmt",
    "valiStrtDtm",
    "valiEndDtm",
    "aplyTgtList",
}

pytestmark = pytest.mark.django_db


def body(goods, cpn_type="20", sort_gb="10", rows=10, page=1, media="20", **extra):
    data = {
        "goodsNo": goods.goods_no,
        "ordMediaCd": media,
        "cpnType": cpn_type,
        "sortGb": sort_gb,
        "rowsPerPage": rows,
        "pageIdx": page,
    }
    data.update(extra)
    return data


def promo_nos(response):
    return [row["promoNo"] for row in response.json()["list"]]


def test_downloadable_contract(make_promotion):
    member, goods = make_member(), make_goods()
    ex = make_exhibition("E1000", [goods], name="봄 기획전")
    p = make_promotion(
        fix_amt_fxrt_gb_cd="02",
        dc_rate_amt=10,
        max_dc_amt=5000,
        min_buy_amt=0,
        mbr_issu_lmt_qty=3,
        issu_lmt_qty=100,
        all_goods_yn=False,
        targets=[
            {"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": ex.exhibition_no},
            {"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": goods.goods_no},
            {"aply_gb_cd": "02", "aply_typ_cd": "06", "tgt_no": "OTHER"},
        ],
    )
    issue(member, p)
    r = member_client(member).post(URL, body(goods), format="json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert set(data) == {"promoCnt", "rowsPerPage", "pageIdx", "list"}
    assert (data["promoCnt"], data["rowsPerPage"], data["pageIdx"]) == (1, 10, 1)
    (row,) = data["list"]
    assert set(row) == ROW_FIELDS | {"dnldPsbQty"}
    assert row["promoNo"] == p.promo_no and row["promoNm"] == p.promo_nm
    assert (
        row["promoTypCd"],
        row["cpnIssuMainCd"],
        row["cpnIssuWayCd"],
        row["fixAmtFxrtGbCd"],
    ) == ("11", "10", "03", "02")
    assert (row["dcRateAmt"], row["minBuyAmt"], row["minBuyQty"], row["maxDcAmt"]) == (
        10,
        0,
        1,
        5000,
    )
    assert row["dnldPsbQty"] == 2  # limit 3, one held
    start = datetime.fromisoformat(row["valiStrtDtm"])
    end = datetime.fromisoformat(row["valiEndDtm"])
    assert start.utcoffset() == timedelta(hours=9) and end - start == timedelta(days=30)
    assert sorted(row["aplyTgtList"], key=lambda t: t["aplyTypCd"]) == [
        {"aplyGbCd": "01", "aplyTypCd": "02", "tgtNo": goods.goods_no, "tgtNm": goods.goods_nm},
        {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "OTHER", "tgtNm": None},
        {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000", "tgtNm": "봄 기획전"},
    ]


def test_usable_contract(make_promotion):
    member, goods = make_member(), make_goods()
    p = make_promotion(
        promo_typ_cd=codes.PromoType.FREE_SHIPPING,
        fix_amt_fxrt_gb_cd="",
        dc_rate_amt=None,
        min_buy_amt=0,
    )
    (coupon,) = issue(member, p)
    r = member_client(member).post(URL, body(goods, cpn_type="10"), format="json")
    assert r.status_code == 200, r.content
    (row,) = r.json()["list"]
    assert set(row) == ROW_FIELDS | {"cpnIsuNo"}
    assert row["cpnIsuNo"] == coupon.pk and isinstance(row["cpnIsuNo"], int)
    assert row["fixAmtFxrtGbCd"] is None and row["dcRateAmt"] is None and row["maxDcAmt"] is None
    assert datetime.fromisoformat(row["valiEndDtm"]) == coupon.valid_until
    assert row["aplyTgtList"] == []


def test_downloadable_filters(make_promotion, md, approver):
    member, goods = make_member(grade=codes.Grade.GOLD), make_goods()
    now = timezone.now()
    shown = [
        make_promotion(promo_nm="download"),
        make_promotion(promo_nm="code", cpn_issu_way_cd="04", dc_cpn_cd="SPRING2024"),
        make_promotion(promo_nm="upper grade", grade_cds=["20"], upr_grade_aply_yn=True),
        make_promotion(promo_nm="own grade", grade_cds=["30"]),
        make_promotion(promo_nm="site", site_nos=["1", "2"]),
    ]
    hidden = [
        make_promotion(promo_nm="draft", approve=False),
        make_promotion(promo_nm="not started", promo_str_dtm=now + timedelta(days=1)),
        make_promotion(promo_nm="targeted", cpn_issu_way_cd="01"),
        make_promotion(promo_nm="cs", cpn_issu_main_cd="20", cpn_issu_way_cd="01"),
        make_promotion(promo_nm="higher grade only", grade_cds=["40"], upr_grade_aply_yn=True),
        make_promotion(promo_nm="lower grade without upper", grade_cds=["20"]),
        make_promotion(promo_nm="other medium", ord_media_cds=["40"]),
        make_promotion(promo_nm="other site", site_nos=["2"]),
        sold_out := make_promotion(promo_nm="sold out", issu_lmt_qty=1),
        make_promotion(
            promo_nm="validity over",
            vali_basis_cd="01",
            vali_days=None,
            vali_strt_dtm=now - timedelta(days=2),
            vali_end_dtm=now - timedelta(hours=1),
        ),
        member_limit := make_promotion(promo_nm="member limit"),
    ]
    issue(make_member(), sold_out)  # someone else took the only copy
    issue(member, member_limit)  # this member holds their one copy
    suspended = make_promotion(promo_nm="suspended")
    from coupons import services

    services.promotion_suspend(user=approver, promotion=suspended)
    hidden.append(suspended)
    r = member_client(member).post(URL, body(goods, rows=100), format="json")
    assert r.status_code == 200
    assert set(promo_nos(r)) == {p.promo_no for p in shown}
    assert r.json()["promoCnt"] == len(shown)


@pytest.mark.parametrize(
    "typ,attr",
    [
        ("02", "goods_no"),
        ("03", "disp_ctg_no"),
        ("05", "entr_no"),
        ("06", "brand_no"),
        ("01", "site_no"),
        ("08", None),
    ],
)
def test_scope_by_target(make_promotion, typ, attr):
    member = make_member()
    goods, other = (
        make_goods(),
        make_goods(disp_ctg_no="CAT99", entr_no="V999", brand_no="B999", site_no="9"),
    )
    if attr is None:
        make_exhibition("E77", [goods])
        tgt = "E77"
    else:
        tgt = getattr(goods, attr)
    applied = make_promotion(
        all_goods_yn=False, targets=[{"aply_gb_cd": "01", "aply_typ_cd": typ, "tgt_no": tgt}]
    )
    excluded = make_promotion(targets=[{"aply_gb_cd": "02", "aply_typ_cd": typ, "tgt_no": tgt}])
    client = member_client(member)
    assert promo_nos(client.post(URL, body(goods), format="json")) == [applied.promo_no]
    assert promo_nos(client.post(URL, body(other), format="json")) == [excluded.promo_no]


def test_exclusion_beats_application(make_promotion):
    member, goods = make_member(), make_goods()
    make_promotion(
        all_goods_yn=False,
        targets=[
            {"aply_gb_cd": "01", "aply_typ_cd": "05", "tgt_no": goods.entr_no},
            {"aply_gb_cd": "02", "aply_typ_cd": "02", "tgt_no": goods.goods_no},
        ],
    )
    r = member_client(member).post(URL, body(goods), format="json")
    assert r.json() == {"promoCnt": 0, "rowsPerPage": 10, "pageIdx": 1, "list": []}


def test_usable_hides_revoked_expired_used_and_other_media(make_promotion, md):
    member, goods = make_member(), make_goods()
    p = make_promotion(mbr_issu_lmt_qty=10, ord_media_cds=["20"])
    kept, revoked, expired, used = issue(member, p, qty=4)
    issuing.coupon_revoke(user=md, coupon=revoked, reason="오발급")
    past = timezone.now() - timedelta(hours=1)
    MemberCoupon.objects.filter(pk=expired.pk).update(
        valid_from=past - timedelta(days=1), valid_until=past
    )
    MemberCoupon.objects.filter(pk=used.pk).update(status=codes.CouponStatus.USED)
    client = member_client(member)
    r = client.post(URL, body(goods, cpn_type="10"), format="json")
    assert [row["cpnIsuNo"] for row in r.json()["list"]] == [kept.pk]
    assert r.json()["promoCnt"] == 1
    r = client.post(URL, body(goods, cpn_type="10", media="40"), format="json")
    assert r.json()["promoCnt"] == 0 and r.json()["list"] == []


@time_machine.travel(datetime(2026, 3, 4, 6, 0, tzinfo=UTC), tick=False)  # Wed 15:00 in Seoul
def test_usable_respects_weekday_and_time_window(make_promotion):
    member, goods = make_member(), make_goods()
    local = timezone.localtime()
    today, other_day = str(local.isoweekday()), str(local.isoweekday() % 7 + 1)
    now_ok = make_promotion(promo_nm="today", weekdays=[today])
    wrong_day = make_promotion(promo_nm="other day", weekdays=[other_day])
    # the clock is frozen: a window that ended an hour ago cannot contain now
    wrong_time = make_promotion(
        promo_nm="window",
        time_from=(local - timedelta(hours=2)).time(),
        time_to=(local - timedelta(hours=1)).time(),
    )
    for p in (now_ok, wrong_day, wrong_time):
        issue(member, p)
    r = member_client(member).post(URL, body(goods, cpn_type="10"), format="json")
    assert promo_nos(r) == [now_ok.promo_no]
    # downloadable lists do not depend on the use window: it narrows use, not download
    r = member_client(make_member()).post(URL, body(goods, cpn_type="20"), format="json")
    assert set(promo_nos(r)) == {now_ok.promo_no, wrong_day.promo_no, wrong_time.promo_no}


def test_sort_orders(make_promotion):
    member, goods = make_member(), make_goods()
    now = timezone.now()
    a = make_promotion(
        promo_nm="a",
        promo_end_dtm=now + timedelta(days=3),
        vali_basis_cd="01",
        vali_days=None,
        vali_strt_dtm=now - timedelta(days=1),
        vali_end_dtm=now + timedelta(days=20),
    )
    b = make_promotion(
        promo_nm="b",
        promo_end_dtm=now + timedelta(days=1),
        vali_basis_cd="01",
        vali_days=None,
        vali_strt_dtm=now - timedelta(days=1),
        vali_end_dtm=now + timedelta(days=10),
    )
    c = make_promotion(
        promo_nm="c",
        promo_end_dtm=now + timedelta(days=2),
        vali_basis_cd="01",
        vali_days=None,
        vali_strt_dtm=now - timedelta(days=1),
        vali_end_dtm=now + timedelta(days=5),
    )
    client = member_client(member)
    assert promo_nos(client.post(URL, body(goods, sort_gb="10"), format="json")) == [
        c.promo_no,
        b.promo_no,
        a.promo_no,
    ]
    assert promo_nos(client.post(URL, body(goods, sort_gb="20"), format="json")) == [
        b.promo_no,
        c.promo_no,
        a.promo_no,
    ]
    for p in (a, b, c):
        issue(member, p)
    assert promo_nos(client.post(URL, body(goods, cpn_type="10", sort_gb="20"), format="json")) == [
        c.promo_no,
        b.promo_no,
        a.promo_no,
    ]
    newest = promo_nos(client.post(URL, body(goods, cpn_type="10", sort_gb="10"), format="json"))
    assert newest == [c.promo_no, b.promo_no, a.promo_no]


@pytest.mark.parametrize("cpn_type", ["10", "20"])
def test_paging_edges(make_promotion, cpn_type):
    member, goods = make_member(), make_goods()
    promos = [make_promotion(promo_nm=f"p{i}") for i in range(5)]
    if cpn_type == "10":
        for p in promos:
            issue(member, p)
    client = member_client(member)
    expected = [p.promo_no for p in reversed(promos)]

    def page(rows, idx):
        r = client.post(URL, body(goods, cpn_type=cpn_type, rows=rows, page=idx), format="json")
        assert r.status_code == 200, r.content
        data = r.json()
        assert (data["promoCnt"], data["rowsPerPage"], data["pageIdx"]) == (5, rows, idx)
        return [row["promoNo"] for row in data["list"]]

    assert page(1, 1) == expected[:1]
    assert page(1, 5) == expected[4:]
    assert page(2, 3) == expected[4:]  # last, partial page
    assert page(2, 4) == []  # past the end
    assert page(100, 1) == expected
    assert page(100, 2) == []
    assert page(100, 1_000_000) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"rowsPerPage": 0},
        {"rowsPerPage": 101},
        {"pageIdx": 0},
        {"pageIdx": -1},
        {"pageIdx": 10**30},
        {"cpnType": "30"},
        {"sortGb": "30"},
        {"ordMediaCd": "99"},
        {"rowsPerPage": "ten"},
        {"rowsPerPage": True},
        {"goodsNo": "x" * 21},
        {"goodsNo": "a\x00b"},
    ],
)
def test_bad_input_is_400(bad):
    member, goods = make_member(), make_goods()
    r = member_client(member).post(URL, {**body(goods), **bad}, format="json")
    assert r.status_code == 400, r.content
    data = r.json()
    assert data["code"] == "VALIDATION_ERROR" and set(data["fields"]) == set(bad)


def test_missing_fields_and_unknown_goods():
    member, goods = make_member(), make_goods()
    client = member_client(member)
    r = client.post(URL, {}, format="json")
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"ordMediaCd", "cpnType", "sortGb", "rowsPerPage", "pageIdx"}
    r = client.post(URL, body(goods, goodsNo="NOPE"), format="json")
    assert r.status_code == 404 and r.json()["code"] == "UNKNOWN_GOODS"
    for raw, ctype in [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"[1,2]", "application/json"),
        (b"a=b", "text/plain"),
    ]:
        r = client.generic("POST", URL, raw, content_type=ctype)
        assert 400 <= r.status_code < 500, (raw, r.status_code)
        assert set(r.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize("cpn_type", ["10", "20"])
def test_query_count_does_not_grow_with_page_size(make_promotion, cpn_type):
    member, goods = make_member(), make_goods()
    ex = make_exhibition("E1", [goods])
    for i in range(12):
        p = make_promotion(
            promo_nm=f"p{i}",
            mbr_issu_lmt_qty=2,
            targets=[
                {"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": ex.exhibition_no},
                {"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": goods.goods_no},
            ],
        )
        issue(member, p)
    client = member_client(member)
    counts = {}
    for rows in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = client.post(URL, body(goods, cpn_type=cpn_type, rows=rows), format="json")
        assert r.status_code == 200 and len(r.json()["list"]) == min(rows, 12)
        counts[rows] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts
    assert counts[100] <= 7
