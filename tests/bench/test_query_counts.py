"""The storefront endpoints run a fixed number of statements, whatever the page size, the member's
coupons, the goods' promotions, the copies asked for or the cart's lines (PostgreSQL).

A count that moves here is a query per row (or per page, per line, per copy) come back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coupons import codes, issuing
from tests.coupons.api import conftest as api
from tests.coupons.api.conftest import make_goods, make_member, member_client

# The API suite's fixtures: real promotions through the services, real member JWTs.
md, approver, make_promotion = api.md, api.approver, api.make_promotion
member_jwt_settings = api.member_jwt_settings

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


def counted(member, path, data):
    """(the answer, the statements it ran) of one member request: GET with a dict of query
    parameters for the coupon box, POST with a JSON body otherwise."""
    client = member_client(member)
    with CaptureQueriesContext(connection) as queries:
        if path == "cpnIssuList":
            response = client.get(f"/v1/marketing/{path}", data)
        else:
            response = client.post(f"/v1/marketing/{path}", data, format="json")
    assert response.status_code == 200, response.content
    return response, len(queries)


def detail(goods, cpn_type, rows) -> dict:
    return {
        "goodsNo": goods.goods_no,
        "ordMediaCd": "20",
        "cpnType": cpn_type,
        "sortGb": "10",
        "rowsPerPage": rows,
        "pageIdx": 1,
    }


def test_box_and_goods_detail_statements_do_not_grow(make_promotion):
    """A member holding one copy and one holding 120 copies of 40 promotions on every goods (and
    a goods one more promotion targets); rows of 1 and of 100."""
    promotions = [make_promotion(promo_nm=f"crowd {i}", mbr_issu_lmt_qty=5) for i in range(40)]
    crowded = make_member()
    for p in promotions:
        issuing.coupon_issue(member=crowded, promotion=p, qty=3, channel=codes.Channel.DOWNLOAD)
    targeted_goods = make_goods()
    targeted = make_promotion(
        promo_nm="targeted",
        all_goods_yn=False,
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": targeted_goods.goods_no}],
    )
    bench_member = make_member()  # the sparse one
    issuing.coupon_issue(member=bench_member, promotion=targeted, channel=codes.Channel.DOWNLOAD)
    box = {}
    for who in (bench_member, crowded):
        for rows in (1, 100):
            response, box[who.pk, rows] = counted(
                who, "cpnIssuList", {"sortGb": "20", "rowsPerPage": rows, "pageIdx": 1}
            )
            assert len(response.json()["list"]) == min(rows, response.json()["totPromoCnt"])
    assert response.json()["totPromoCnt"] == 120
    # The member (the token's, which must exist) and the box.
    assert set(box.values()) == {2}, box

    detail_counts = {}
    for goods in (targeted_goods, make_goods()):
        for who in (bench_member, crowded):
            for cpn_type in ("10", "20"):
                for rows in (1, 100):
                    response, n = counted(who, "goodsDetailCpnList", detail(goods, cpn_type, rows))
                    if response.json()["list"]:
                        detail_counts[goods.pk, who.pk, cpn_type, rows] = n
                    else:  # no page, no targets to read
                        assert n == 3, (goods.pk, who.pk, cpn_type, rows)
    # The member, the goods, the list, the page's targets with their names.
    assert set(detail_counts.values()) == {4}, detail_counts
    assert len(detail_counts) >= 8  # the crowded member has rows on both goods, both kinds


def test_first_come_download_statements_do_not_grow_with_the_copies(make_promotion):
    one = make_promotion(promo_nm="one", mbr_issu_lmt_qty=1)
    many = make_promotion(promo_nm="many", mbr_issu_lmt_qty=20, issu_lmt_qty=1000)
    counts = []
    for promotion, qty in ((one, 1), (many, 20)):
        body = {"promoNoList": [promotion.promo_no] * qty}
        response, n = counted(make_member(), "cpnDown", body)
        assert response.json()["issuedCnt"] == qty
        counts.append(n)
    # The member, the promotion, the total's UPDATE, the member's counter, the copies' INSERT,
    # the report's rollup, with the transaction's savepoints.
    assert counts[0] == counts[1] <= 12, counts


def test_order_calc_statements_do_not_grow_with_lines_or_copies(make_promotion):
    # Few copies: the exact best choice is exponential in the worst case (coupons.pricing), and
    # this test counts statements, not the search.
    few, more = make_member(), make_member()
    for i in range(4):
        p = make_promotion(promo_nm=f"calc {i}", mbr_issu_lmt_qty=3)
        issuing.coupon_issue(member=few, promotion=p, qty=1, channel=codes.Channel.DOWNLOAD)
        issuing.coupon_issue(member=more, promotion=p, qty=3, channel=codes.Channel.DOWNLOAD)
    goods = [make_goods(sale_price=10000 + i) for i in range(30)]
    counts = {}
    for who in (few, more):
        for lines in (1, 30):
            body = {
                "ordMediaCd": "20",
                "siteNo": "1",
                "goodsList": [
                    {"ordGoodsSeq": i, "goodsNo": g.goods_no, "cnt": 1, "salePrc": g.sale_price}
                    for i, g in enumerate(goods[:lines], start=1)
                ],
            }
            response, counts[who.pk, lines] = counted(who, "orderCpnCalc", body)
            assert response.json()["maxBenefitInfo"]["totalDcAmt"] > 0
    assert len(set(counts.values())) == 1, counts
