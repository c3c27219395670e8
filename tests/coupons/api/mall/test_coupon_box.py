"""GET /v1/marketing/cpnIssuList: the member's coupon box."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coupons import codes, issuing
from coupons.models import Member, MemberCoupon
from tests.coupons.api.conftest import issue, make_member, member_client

URL = "/v1/marketing/cpnIssuList"
ROW_FIELDS = {
    "cpnIsuNo",
    "promoNo",
    "promoNm",
    "promoTypCd",
    "fixAmtFxrtGbCd",
    "dcRateAmt",
    "minBuyQty",
    "minBuyAmt",
    "maxDcAmt",
    "ordMediaCdList",
    "cpnIsuDtm",
    "valiStrtDtm",
    "valiEndDtm",
    "cpnStatCd",
    "useYn",
    "useDtm",
    "ordNo",
    "usePsbYn",
}

pytestmark = pytest.mark.django_db


def get(client, sort_gb="10", rows=10, page=1, **extra):
    return client.get(URL, {"sortGb": sort_gb, "rowsPerPage": rows, "pageIdx": page, **extra})


def test_contract_and_counts(make_promotion, md):
    member = make_member()
    p = make_promotion(
        fix_amt_fxrt_gb_cd="02",
        dc_rate_amt=15,
        max_dc_amt=3000,
        min_buy_amt=20000,
        min_buy_qty=2,
        mbr_issu_lmt_qty=5,
        ord_media_cds=["20", "50"],
    )
    usable, revoked, expired, used = issue(member, p, qty=4)
    issuing.coupon_revoke(user=md, coupon=revoked, reason="오발급")
    past = timezone.now() - timedelta(minutes=5)
    # expired by validity, still ISSUED in the table: the expire job has not run yet
    MemberCoupon.objects.filter(pk=expired.pk).update(
        valid_from=past - timedelta(days=3), valid_until=past
    )
    MemberCoupon.objects.filter(pk=used.pk).update(status=codes.CouponStatus.USED)

    r = get(member_client(member), rows=100)
    assert r.status_code == 200, r.content
    data = r.json()
    assert set(data) == {"promoCnt", "totPromoCnt", "rowsPerPage", "pageIdx", "list"}
    assert (data["promoCnt"], data["totPromoCnt"], data["rowsPerPage"], data["pageIdx"]) == (
        1,
        3,
        100,
        1,
    )
    rows = {row["cpnIsuNo"]: row for row in data["list"]}
    assert set(rows) == {usable.pk, expired.pk, used.pk}  # revoked hidden
    row = rows[usable.pk]
    assert set(row) == ROW_FIELDS
    assert (
        row["promoNo"] == p.promo_no and row["promoNm"] == p.promo_nm and row["promoTypCd"] == "11"
    )
    assert (row["fixAmtFxrtGbCd"], row["dcRateAmt"], row["maxDcAmt"]) == ("02", 15, 3000)
    assert (row["minBuyQty"], row["minBuyAmt"]) == (2, 20000)
    assert row["ordMediaCdList"] == ["20", "50"]
    assert datetime.fromisoformat(row["cpnIsuDtm"]).utcoffset() == timedelta(hours=9)
    assert datetime.fromisoformat(row["valiEndDtm"]) == usable.valid_until
    # useYn: used (SPEC §4, as the platform's storefront reads it); usePsbYn: usable now
    assert (row["cpnStatCd"], row["useYn"], row["usePsbYn"]) == ("ISSUED", "N", "Y")
    assert (row["useDtm"], row["ordNo"]) == (None, None)
    assert (rows[expired.pk]["cpnStatCd"], rows[expired.pk]["useYn"]) == ("EXPIRED", "N")
    assert rows[expired.pk]["usePsbYn"] == "N"
    assert (rows[used.pk]["cpnStatCd"], rows[used.pk]["useYn"]) == ("USED", "Y")
    assert rows[used.pk]["usePsbYn"] == "N"


def test_sort_and_paging(make_promotion):
    member = make_member()
    now = timezone.now()
    coupons = []
    for i, days in enumerate([5, 1, 3]):
        p = make_promotion(
            promo_nm=f"p{i}",
            vali_basis_cd="01",
            vali_days=None,
            vali_strt_dtm=now - timedelta(days=1),
            vali_end_dtm=now + timedelta(days=days),
        )
        coupons += issue(member, p)
    client = member_client(member)
    newest = [c.pk for c in reversed(coupons)]
    expiring = [coupons[1].pk, coupons[2].pk, coupons[0].pk]
    assert [row["cpnIsuNo"] for row in get(client, "10", 100).json()["list"]] == newest
    assert [row["cpnIsuNo"] for row in get(client, "20", 100).json()["list"]] == expiring

    def page(rows, idx):
        data = get(client, "20", rows, idx).json()
        assert (data["promoCnt"], data["totPromoCnt"], data["rowsPerPage"], data["pageIdx"]) == (
            3,
            3,
            rows,
            idx,
        )
        return [row["cpnIsuNo"] for row in data["list"]]

    assert page(1, 1) == expiring[:1]
    assert page(1, 3) == expiring[2:]
    assert page(2, 2) == expiring[2:]
    assert page(2, 3) == []
    assert page(100, 1) == expiring
    assert page(100, 2) == []


def test_site_filter(make_promotion):
    # Issuing checks the member's site, so the member moves from site 2 to site 3 (the member
    # mirror is updated) between the issues.
    member = make_member(site="2")
    everywhere = issue(member, make_promotion(promo_nm="all sites"))[0]
    site2 = issue(member, make_promotion(promo_nm="site 2", site_nos=["2"]))[0]
    Member.objects.filter(pk=member.pk).update(site_no="3")
    member.refresh_from_db()
    site13 = issue(member, make_promotion(promo_nm="site 1,3", site_nos=["1", "3"]))[0]
    client = member_client(member)
    ids = lambda r: {row["cpnIsuNo"] for row in r.json()["list"]}  # noqa: E731
    assert ids(get(client, siteNo="2")) == {everywhere.pk, site2.pk}
    assert ids(get(client, siteNo="3")) == {everywhere.pk, site13.pk}
    assert ids(get(client)) == {everywhere.pk, site2.pk, site13.pk}
    assert get(client, siteNo="2").json()["totPromoCnt"] == 2


def test_only_own_coupons(make_promotion):
    a, b = make_member(), make_member()
    p = make_promotion()
    issue(a, p)
    (b_coupon,) = issue(b, p)
    r = get(member_client(a), mbrNo=b.mbr_no)
    assert r.status_code == 403 and r.json()["code"] == "MEMBER_MISMATCH"
    data = get(member_client(a)).json()
    assert b_coupon.pk not in [row["cpnIsuNo"] for row in data["list"]] and data["totPromoCnt"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"sortGb": "30", "rowsPerPage": 10, "pageIdx": 1},
        {"sortGb": "10", "rowsPerPage": 0, "pageIdx": 1},
        {"sortGb": "10", "rowsPerPage": 101, "pageIdx": 1},
        {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 0},
        {"sortGb": "10", "rowsPerPage": 10},
        {"sortGb": "10", "rowsPerPage": 10, "pageIdx": "9" * 40},
        {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 1, "siteNo": "a\x00"},
    ],
)
def test_bad_query_is_400(params):
    r = member_client(make_member()).get(URL, params)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "VALIDATION_ERROR"


def test_query_count_does_not_grow_with_page_size(make_promotion):
    member = make_member()
    for i in range(12):
        issue(member, make_promotion(promo_nm=f"p{i}"))
    client = member_client(member)
    counts = {}
    for rows in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = get(client, rows=rows)
        assert len(r.json()["list"]) == min(rows, 12)
        counts[rows] = len(ctx.captured_queries)
    assert counts[1] == counts[100] <= 3, counts
