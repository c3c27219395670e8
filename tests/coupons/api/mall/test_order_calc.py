"""POST /v1/marketing/orderCpnCalc through HTTP on the real database: real promotions through the
services, copies through the issuing engine, a real member JWT."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coupons import codes, pricing
from coupons.models import MemberCoupon
from tests.coupons.api.conftest import (
    issue,
    make_exhibition,
    make_goods,
    make_member,
    member_client,
)

pytestmark = pytest.mark.django_db
URL = "/v1/marketing/orderCpnCalc"


def body(lines, groups=None, **extra):
    data = {
        "ordMediaCd": "20",
        "siteNo": "1",
        "goodsList": [
            {"ordGoodsSeq": seq, "goodsNo": g.goods_no, "cnt": cnt, "salePrc": prc}
            for seq, (g, cnt, prc) in enumerate(lines, start=1)
        ],
    }
    if groups is not None:
        data["dlvGrpList"] = groups
    data.update(extra)
    return data


@pytest.fixture
def cart(make_promotion):
    """A member, two goods (the second in brand B9 and exhibition E1) and five copies."""
    member = make_member()
    g1 = make_goods(brand_no="B1", entr_no="V1")
    g2 = make_goods(brand_no="B9", entr_no="V2")
    make_exhibition("E1", [g2])
    fixed = make_promotion(
        promo_nm="3천원", dc_rate_amt=3000, min_buy_amt=30000, our_chrg_rate=60, entr_chrg_rate=40
    )
    rate = make_promotion(
        promo_nm="15%",
        fix_amt_fxrt_gb_cd=codes.DiscountKind.RATE,
        dc_rate_amt=15,
        min_buy_amt=0,
        all_goods_yn=False,
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "E1"}],
    )
    no_b9 = make_promotion(
        promo_nm="B9 제외",
        promo_typ_cd=codes.PromoType.STACKABLE,
        fix_amt_fxrt_gb_cd=codes.DiscountKind.RATE,
        dc_rate_amt=5,
        min_buy_amt=0,
        targets=[{"aply_gb_cd": "02", "aply_typ_cd": "06", "tgt_no": "B9"}],
    )
    cart_coupon = make_promotion(
        promo_nm="장바구니 10%",
        promo_typ_cd=codes.PromoType.CART,
        fix_amt_fxrt_gb_cd=codes.DiscountKind.RATE,
        dc_rate_amt=10,
        max_dc_amt=5000,
        min_buy_amt=50000,
    )
    ship = make_promotion(
        promo_nm="무료배송",
        promo_typ_cd=codes.PromoType.FREE_SHIPPING,
        fix_amt_fxrt_gb_cd="",
        dc_rate_amt=None,
        min_buy_amt=0,
        all_goods_yn=False,
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "05", "tgt_no": "V1"}],
    )
    copies = {
        name: issue(member, p)[0]
        for name, p in {
            "fixed": fixed,
            "rate": rate,
            "stack": no_b9,
            "cart": cart_coupon,
            "ship": ship,
        }.items()
    }
    return member, g1, g2, copies


GROUPS = [
    {"deliNo": "D1", "dlexAmt": 3000, "ordGoodsSeqList": [1]},
    {"deliNo": "D2", "dlexAmt": 2500, "ordGoodsSeqList": [2]},
]


def rows(benefits):
    return [(b["cpnIsuNo"], b["dcAmt"], b["isMaxYn"]) for b in benefits]


def test_worked_example_through_http(cart):
    member, g1, g2, c = cart
    r = member_client(member).post(
        URL, body([(g1, 2, 25000), (g2, 1, 33330)], GROUPS), format="json"
    )
    assert r.status_code == 200, r.content
    data = r.json()
    line1, line2 = data["goodsBenefitList"]
    assert (line1["ordGoodsSeq"], line1["goodsNo"], line1["cnt"], line1["amtBeforeDiscount"]) == (
        1,
        g1.goods_no,
        2,
        50000,
    )
    # line 1: 3,000 × 2 (mall 60 %), then the stackable 5 % of 44,000 = 2,200
    assert rows(line1["benefitList"]) == [
        (c["fixed"].pk, 6000, "Y"),
        (c["stack"].pk, 2200, "Y"),
    ]
    fixed_row = line1["benefitList"][0]
    assert (fixed_row["dcAmtPerCnt"], fixed_row["ourDcAmt"], fixed_row["entrDcAmt"]) == (
        3000,
        3600,
        2400,
    )
    assert fixed_row["promoTypCd"] == "11" and fixed_row["promoNm"] == "3천원"
    # line 2 (brand B9, exhibition E1): the 15 % goods coupon; the stackable excludes B9;
    # the 3,000 coupon's 30,000 minimum is met by 33,330 but the 15 % coupon gives more
    assert rows(line2["benefitList"]) == [(c["fixed"].pk, 3000, "N"), (c["rate"].pk, 4990, "Y")]
    # the cart: (50,000 − 8,200 + 33,330 − 4,990) × 10 % = 7,014 → 7,010, capped at 5,000,
    # allocated 41,800 : 28,340
    (cart_row,) = data["orderBenefitList"]
    assert (cart_row["cpnIsuNo"], cart_row["dcAmt"], cart_row["isMaxYn"]) == (
        c["cart"].pk,
        5000,
        "Y",
    )
    assert [(a["ordGoodsSeq"], a["dcAmt"]) for a in cart_row["goodsList"]] == [
        (1, 2980),
        (2, 2020),
    ]
    # free shipping on vendor V1's group only
    dlv = data["dlvCouponInfo"]
    assert dlv["dlvCpnCnt"] == 1
    assert [(g["deliNo"], rows(g["benefitList"])) for g in dlv["dlvGrpInfo"]] == [
        ("D1", [(c["ship"].pk, 3000, "Y")]),
        ("D2", []),
    ]
    total = 6000 + 2200 + 4990 + 5000 + 3000
    assert data["totalDcAmt"] == data["maxBenefitInfo"]["totalDcAmt"] == total
    best = data["maxBenefitInfo"]
    assert [rows(line["benefitList"]) for line in best["goodsBenefitList"]] == [
        [(c["fixed"].pk, 6000, "Y"), (c["stack"].pk, 2200, "Y")],
        [(c["rate"].pk, 4990, "Y")],
    ]
    assert data["refusedCpnList"] == [] and "selectedBenefitInfo" not in data
    # no side effects
    assert set(MemberCoupon.objects.values_list("status", flat=True)) == {"ISSUED"}


def test_the_members_choice_and_refusals(cart, make_promotion):
    member, g1, g2, c = cart
    other = make_member()
    (theirs,) = issue(other, make_promotion(promo_nm="남의 쿠폰"))
    chosen = [c["fixed"].pk, c["rate"].pk, c["ship"].pk, theirs.pk]
    r = member_client(member).post(
        URL, body([(g1, 2, 25000), (g2, 1, 33330)], GROUPS, cpnIsuNoList=chosen), format="json"
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["totalDcAmt"] == 6000 + 4990 + 3000
    assert data["selectedBenefitInfo"]["totalDcAmt"] == 13990
    assert [(x["cpnIsuNo"], x["code"]) for x in data["refusedCpnList"]] == [
        (theirs.pk, pricing.UNKNOWN_COUPON)
    ]
    # the other member's copy is never listed
    listed = {b["cpnIsuNo"] for line in data["goodsBenefitList"] for b in line["benefitList"]}
    assert theirs.pk not in listed


def test_used_and_wrong_medium_copies_are_not_offered(cart):
    member, g1, g2, c = cart
    MemberCoupon.objects.filter(pk=c["fixed"].pk).update(status=codes.CouponStatus.USED)
    r = member_client(member).post(
        URL,
        body([(g1, 2, 25000)], cpnIsuNoList=[c["fixed"].pk]),
        format="json",
    )
    data = r.json()
    assert c["fixed"].pk not in {b["cpnIsuNo"] for b in data["goodsBenefitList"][0]["benefitList"]}
    assert [(x["cpnIsuNo"], x["code"]) for x in data["refusedCpnList"]] == [
        (c["fixed"].pk, pricing.COUPON_NOT_USABLE)
    ]
    r = member_client(member).post(
        URL, body([(g1, 2, 25000)], ordMediaCd="40"), format="json"
    )  # the test promotions allow PC and mobile web only
    assert r.status_code == 200 and r.json()["totalDcAmt"] == 0


def test_a_fixed_number_of_queries_whatever_the_cart(cart, make_promotion):
    member, g1, g2, c = cart
    client = member_client(member)
    small = body([(g1, 1, 50000)])
    with CaptureQueriesContext(connection) as few:
        assert client.post(URL, small, format="json").status_code == 200
    for _ in range(3):
        issue(member, make_promotion(mbr_issu_lmt_qty=3), qty=3)
    more = [make_goods(brand_no=f"B{i}") for i in range(6)]
    big = body([(g, 2, 40000) for g in [g1, g2, *more]], GROUPS)
    with CaptureQueriesContext(connection) as many:
        assert client.post(URL, big, format="json").status_code == 200
    assert len(few) == len(many) == 5  # the member (JWT), copies, targets, goods, exhibitions


@pytest.mark.parametrize(
    "change, field",
    [
        ({"goodsList": []}, "goodsList"),
        ({"ordMediaCd": "99"}, "ordMediaCd"),
        (
            {"goodsList": [{"ordGoodsSeq": 1, "goodsNo": "X", "cnt": 0, "salePrc": 1}]},
            "goodsList[0].cnt",
        ),
        (
            {"goodsList": [{"ordGoodsSeq": 1, "goodsNo": "X", "cnt": 1, "salePrc": -1}]},
            "goodsList[0].salePrc",
        ),
        (
            {
                "goodsList": [
                    {"ordGoodsSeq": 1, "goodsNo": "X", "cnt": 1, "salePrc": 1},
                    {"ordGoodsSeq": 1, "goodsNo": "X", "cnt": 1, "salePrc": 1},
                ]
            },
            "goodsList[1].ordGoodsSeq",
        ),
        (
            {"dlvGrpList": [{"deliNo": "D1", "dlexAmt": 3000, "ordGoodsSeqList": [7]}]},
            "dlvGrpList[0].ordGoodsSeqList[0]",
        ),
        ({"cpnIsuNoList": ["x"]}, "cpnIsuNoList[0]"),
    ],
)
def test_bad_input_is_400_in_the_error_shape(cart, change, field):
    member, g1, _g2, _c = cart
    r = member_client(member).post(URL, {**body([(g1, 1, 1000)]), **change}, format="json")
    assert r.status_code == 400, r.content
    data = r.json()
    assert set(data) == {"code", "message", "fields"}
    assert field in data["fields"], data


def test_unknown_goods_is_400_naming_the_line(cart):
    member, g1, _g2, _c = cart
    data = body([(g1, 1, 1000)])
    data["goodsList"].append({"ordGoodsSeq": 2, "goodsNo": "NOPE", "cnt": 1, "salePrc": 1000})
    r = member_client(member).post(URL, data, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "UNKNOWN_GOODS"
    assert list(r.json()["fields"]) == ["goodsList[1].goodsNo"]


def test_members_only(cart, client):
    member, g1, _g2, _c = cart
    r = client.post(URL, body([(g1, 1, 1000)]), content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "MEMBER_ONLY"
    r = member_client(member).post(URL, {**body([(g1, 1, 1000)]), "mbrNo": "OTHER"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "MEMBER_MISMATCH"


def test_a_member_holding_more_copies_than_one_calculation_takes_gets_400(cart, make_promotion):
    from coupons.api.mall.order import MAX_COPIES

    member, g1, _g2, c = cart
    many = make_promotion(mbr_issu_lmt_qty=MAX_COPIES)
    issue(member, many, qty=MAX_COPIES)  # with the cart's five: more than one calculation takes
    r = member_client(member).post(URL, body([(g1, 1, 50000)]), format="json")
    assert r.status_code == 400
    assert r.json() == {
        "code": "TOO_MANY_COUPONS",
        "message": f"한 번에 계산할 수 있는 쿠폰은 {MAX_COPIES}장까지입니다.",
        "fields": {},
    }
