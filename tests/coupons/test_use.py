"""cpnUse / cpnRestore and the budget (SPEC §7) through the real API, services and database:
exact amounts, all or none, idempotency, claw-back, EXPIRED after validity, authorization, the
constraints, and the use shown in the coupon box, the admin API and the member-coupon admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from coupons import codes, errors, selectors
from coupons.errors import IssueRefused
from coupons.models import (
    CouponClaim,
    CouponOrder,
    CouponUse,
    CouponUseLine,
    MemberCoupon,
    Promotion,
)
from coupons.roles import CS_AGENT, MERCHANDISER
from tests.coupons.api.conftest import make_user, member_client, member_jwt_settings
from tests.coupons.use_factories import (
    RESTORE_URL,
    USE_URL,
    cart_promotion,
    give,
    goods,
    goods_promotion,
    member,
    order_system_user,
    token_client,
    use_body,
)

pytestmark = pytest.mark.django_db
_jwt = member_jwt_settings  # the member API's test secret (an autouse fixture there)


@pytest.fixture
def world(db):
    goods("G1", 15000)
    goods("G2", 20000)
    mbr = member("410000001")
    gp = goods_promotion(budget_amt=100_000)
    cp = cart_promotion()
    (g,) = give(mbr, gp)
    (c,) = give(mbr, cp)
    return {"member": mbr, "goods_promo": gp, "cart_promo": cp, "goods": g, "cart": c}


@pytest.fixture
def api(db):
    return token_client(order_system_user())


def both(w, goods_dc=2000, cart_dc=3000):
    return [
        {"cpnIsuNo": w["goods"].pk, "ordGoodsSeq": 1, "dcAmt": goods_dc},
        {"cpnIsuNo": w["cart"].pk, "dcAmt": cart_dc},
    ]


def test_use_answers_exact_amounts_and_records_every_row(world, api):
    w = world
    r = api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["ordNo"], body["mbrNo"], body["totalDcAmt"]) == ("ORD-1", "410000001", 5000)
    goods_row, cart_row = body["useList"]
    assert goods_row == {
        "cpnIsuNo": w["goods"].pk,
        "promoNo": w["goods_promo"].promo_no,
        "promoTypCd": "11",
        "ordGoodsSeq": 1,
        "deliNo": None,
        "dcAmt": 2000,
        "ourDcAmt": 2000,
        "entrDcAmt": 0,
        "goodsList": [{"ordGoodsSeq": 1, "dcAmt": 2000, "ourDcAmt": 2000, "entrDcAmt": 0}],
    }
    # 3,000 on 28,000 + 20,000 after line discounts; mall 60 % / vendor 40 %
    assert (cart_row["dcAmt"], cart_row["ourDcAmt"], cart_row["entrDcAmt"]) == (3000, 1800, 1200)
    assert cart_row["goodsList"] == [
        {"ordGoodsSeq": 1, "dcAmt": 1750, "ourDcAmt": 1050, "entrDcAmt": 700},
        {"ordGoodsSeq": 2, "dcAmt": 1250, "ourDcAmt": 750, "entrDcAmt": 500},
    ]
    for coupon in (w["goods"], w["cart"]):
        coupon.refresh_from_db()
        assert (coupon.status, coupon.use_ord_no) == (codes.CouponStatus.USED, "ORD-1")
        assert coupon.used_at is not None
    assert CouponUse.objects.filter(ord_no="ORD-1").count() == 2
    assert CouponUseLine.objects.filter(use__ord_no="ORD-1").count() == 3
    used = dict(Promotion.objects.values_list("promo_no", "budget_used"))
    assert used == {w["goods_promo"].promo_no: 2000, w["cart_promo"].promo_no: 3000}


def test_a_mismatch_refuses_the_whole_request_and_changes_nothing(world, api):
    w = world
    r = api.post(USE_URL, use_body("ORD-1", w["member"], both(w, cart_dc=2500)), format="json")
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["code"] == "DC_AMT_MISMATCH"
    assert body["fields"]["useList[1].expectedDcAmt"] == ["3000"]
    assert "3000" in body["fields"]["useList[1].dcAmt"][0]
    assert set(MemberCoupon.objects.values_list("status", flat=True)) == {"ISSUED"}
    assert not CouponOrder.objects.exists() and not CouponUse.objects.exists()
    assert set(Promotion.objects.values_list("budget_used", flat=True)) == {0}


def test_the_same_ord_no_twice_is_one_use_and_another_body_is_409(world, api):
    w = world
    body = use_body("ORD-1", w["member"], both(w))
    first = api.post(USE_URL, body, format="json")
    again = api.post(USE_URL, body, format="json")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert CouponUse.objects.count() == 2
    assert Promotion.objects.get(pk=w["goods_promo"].pk).budget_used == 2000
    other = use_body("ORD-1", w["member"], both(w)[:1])
    r = api.post(USE_URL, other, format="json")
    assert (r.status_code, r.json()["code"]) == (409, "ORDER_ALREADY_USED")
    assert CouponUse.objects.count() == 2


def test_a_used_copy_cannot_be_used_by_another_order(world, api):
    w = world
    assert (
        api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json").status_code == 200
    )
    r = api.post(USE_URL, use_body("ORD-2", w["member"], both(w)), format="json")
    assert r.status_code == 409 and r.json()["code"] == "COUPON_NOT_USABLE"
    assert (
        CouponUse.objects.count() == 2 and not CouponOrder.objects.filter(ord_no="ORD-2").exists()
    )


def test_budget_refuses_a_use_past_it_and_stops_offering_downloads(db, api):
    goods("G1", 15000)
    goods("G2", 20000)
    mbr = member("410000002")
    promo = goods_promotion(budget_amt=4000, mbr_issu_lmt_qty=5)
    copies = give(mbr, promo, qty=3)

    def use(ord_no, coupon):
        uses = [{"cpnIsuNo": coupon.pk, "ordGoodsSeq": 1, "dcAmt": 2000}]
        return api.post(USE_URL, use_body(ord_no, mbr, uses), format="json")

    assert use("ORD-A", copies[0]).status_code == 200
    assert use("ORD-B", copies[1]).status_code == 200  # 4,000 of 4,000
    refused = use("ORD-C", copies[2])
    assert (refused.status_code, refused.json()["code"]) == (409, "BUDGET_EXHAUSTED")
    copies[2].refresh_from_db()
    assert copies[2].status == codes.CouponStatus.ISSUED
    assert Promotion.objects.get(pk=promo.pk).budget_used == 4000
    assert not CouponOrder.objects.filter(ord_no="ORD-C").exists()
    # spent: no longer listed as downloadable, and a download is refused by the same rule
    listed = member_client(mbr).post(
        "/v1/marketing/goodsDetailCpnList",
        {
            "goodsNo": "G1",
            "ordMediaCd": "20",
            "cpnType": "20",
            "sortGb": "10",
            "rowsPerPage": 10,
            "pageIdx": 1,
        },
        format="json",
    )
    assert listed.status_code == 200 and listed.json()["promoCnt"] == 0
    with pytest.raises(IssueRefused) as exc:
        give(member("410000003"), promo.promo_no)
    assert exc.value.code == errors.BUDGET_EXHAUSTED


def test_full_cancel_restores_and_the_same_claim_restores_once(world, api):
    w = world
    api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    body = {"ordNo": "ORD-1", "clmNo": "CLM-1"}
    r = api.post(RESTORE_URL, body, format="json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert [(x["cpnIsuNo"], x["cpnStatCd"], x["rstrDcAmt"]) for x in data["restoreList"]] == [
        (w["goods"].pk, "ISSUED", 2000),
        (w["cart"].pk, "ISSUED", 3000),
    ]
    assert (data["clawbackList"], data["totalClawbackAmt"]) == ([], 0)
    for coupon in (w["goods"], w["cart"]):
        coupon.refresh_from_db()
        assert (coupon.status, coupon.used_at, coupon.use_ord_no) == ("ISSUED", None, "")
    assert set(Promotion.objects.values_list("budget_used", flat=True)) == {0}
    again = api.post(RESTORE_URL, body, format="json")
    assert again.status_code == 200 and again.json() == data
    assert CouponClaim.objects.count() == 1
    assert set(Promotion.objects.values_list("budget_used", flat=True)) == {0}
    other = api.post(RESTORE_URL, {**body, "ordGoodsSeqList": [2]}, format="json")
    assert (other.status_code, other.json()["code"]) == (409, "CLAIM_ALREADY_PROCESSED")
    # restored copies can be used again, by a new order
    r = api.post(USE_URL, use_body("ORD-2", w["member"], both(w)), format="json")
    assert r.status_code == 200, r.content


def test_partial_cancel_keeps_the_cart_coupon_used_and_answers_the_clawback(world, api):
    w = world
    api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    r = api.post(
        RESTORE_URL, {"ordNo": "ORD-1", "clmNo": "CLM-1", "ordGoodsSeqList": [2]}, format="json"
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["restoreList"] == []
    assert data["clawbackList"] == [
        {
            "cpnIsuNo": w["cart"].pk,
            "promoNo": w["cart_promo"].promo_no,
            "promoTypCd": "12",
            "ordGoodsSeqList": [2],
            "clawbackAmt": 1250,
        }
    ]
    assert data["totalClawbackAmt"] == 1250
    w["cart"].refresh_from_db()
    assert w["cart"].status == codes.CouponStatus.USED
    assert Promotion.objects.get(pk=w["cart_promo"].pk).budget_used == 1750
    # the rest of the order cancelled later: both copies back, the budget at 0
    r = api.post(RESTORE_URL, {"ordNo": "ORD-1", "clmNo": "CLM-2"}, format="json")
    assert [(x["cpnIsuNo"], x["rstrDcAmt"]) for x in r.json()["restoreList"]] == [
        (w["goods"].pk, 2000),
        (w["cart"].pk, 1750),
    ]
    assert set(Promotion.objects.values_list("budget_used", flat=True)) == {0}
    use = CouponUse.objects.get(member_coupon=w["cart"])
    assert (use.clawback_amt, use.restore_clm_no, use.restored_status) == (1250, "CLM-2", "ISSUED")


def test_restore_after_validity_gives_expired(world, api):
    w = world
    api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        r = api.post(RESTORE_URL, {"ordNo": "ORD-1", "clmNo": "CLM-1"}, format="json")
    assert r.status_code == 200, r.content
    assert {x["cpnStatCd"] for x in r.json()["restoreList"]} == {"EXPIRED"}
    assert set(MemberCoupon.objects.values_list("status", flat=True)) == {"EXPIRED"}
    assert set(Promotion.objects.values_list("budget_used", flat=True)) == {0}


def test_restore_of_an_unknown_order_is_404(api):
    r = api.post(RESTORE_URL, {"ordNo": "NOPE", "clmNo": "CLM-1"}, format="json")
    assert (r.status_code, r.json()["code"]) == (404, "UNKNOWN_ORDER")
    assert not CouponClaim.objects.exists()


@pytest.mark.parametrize("role", [None, CS_AGENT, MERCHANDISER])
def test_only_the_order_system_may_use_or_restore(world, role):
    w = world
    body = use_body("ORD-1", w["member"], both(w))
    if role is None:
        client = member_client(w["member"])  # a member token is not a BO token
    else:
        client = token_client(make_user(f"u-{role}", role=role))
    for url, payload in ((USE_URL, body), (RESTORE_URL, {"ordNo": "ORD-1", "clmNo": "C"})):
        r = client.post(url, payload, format="json")
        assert r.status_code in (401, 403), r.content
    assert not CouponOrder.objects.exists()
    assert set(MemberCoupon.objects.values_list("status", flat=True)) == {"ISSUED"}


def test_constraints_refuse_bad_rows(world, api):
    w = world
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.filter(pk=w["goods_promo"].pk).update(budget_used=100_001)
    api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    use = CouponUse.objects.get(member_coupon=w["goods"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponUse.objects.filter(pk=use.pk).update(our_dc_amt=1)  # split no longer sums
    with pytest.raises(IntegrityError), transaction.atomic():
        CouponUse.objects.filter(pk=use.pk).update(clawback_amt=2001)
    with pytest.raises(IntegrityError), transaction.atomic():
        # a second open use of the same copy
        CouponUse.objects.create(
            order=use.order,
            ord_no="ORD-X",
            member_coupon=w["goods"],
            promotion=w["goods_promo"],
            member=w["member"],
            promo_typ_cd="11",
            dc_amt=1,
            our_dc_amt=1,
            entr_dc_amt=0,
            used_at=timezone.now(),
        )


@pytest.mark.parametrize(
    ("budget_amt", "budget_used", "left"),
    [(None, 0, True), (None, 10**9, True), (1000, 999, True), (1000, 1000, False), (0, 0, False)],
)
def test_the_budget_rule_as_sql_and_on_the_row_agree(db, budget_amt, budget_used, left):
    p = goods_promotion(budget_amt=budget_amt)
    Promotion.objects.filter(pk=p.pk).update(budget_used=budget_used)
    p.refresh_from_db()
    assert selectors.budget_left(p) is left
    assert Promotion.objects.filter(pk=p.pk).filter(selectors.budget_left_q()).exists() is left


def test_coupon_box_admin_api_and_admin_show_the_use(world, api, client):
    w = world
    api.post(USE_URL, use_body("ORD-777", w["member"], both(w)), format="json")
    api.post(
        RESTORE_URL, {"ordNo": "ORD-777", "clmNo": "CLM-9", "ordGoodsSeqList": [2]}, format="json"
    )
    # the member's coupon box
    box = (
        member_client(w["member"])
        .get("/v1/marketing/cpnIssuList", {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 1})
        .json()
    )
    rows = {row["cpnIsuNo"]: row for row in box["list"]}
    for coupon in (w["goods"], w["cart"]):
        row = rows[coupon.pk]
        assert (row["cpnStatCd"], row["useYn"], row["usePsbYn"], row["ordNo"]) == (
            "USED",
            "Y",
            "N",
            "ORD-777",
        )
        assert row["useDtm"] is not None
    assert (box["promoCnt"], box["totPromoCnt"]) == (0, 2)
    # the admin API
    md = make_user("md-uses", role=MERCHANDISER)
    listed = token_client(md).get("/api/v1/admin/coupon-uses/", {"ordNo": "ORD-777"})
    assert listed.status_code == 200, listed.content
    results = listed.json()["results"]
    cart = next(r for r in results if r["cpnIsuNo"] == w["cart"].pk)
    assert (cart["dcAmt"], cart["ourDcAmt"], cart["entrDcAmt"], cart["clawbackAmt"]) == (
        3000,
        1800,
        1200,
        1250,
    )
    assert [(g["ordGoodsSeq"], g["clmNo"]) for g in cart["goodsList"]] == [(1, ""), (2, "CLM-9")]
    for params, n in [
        ({"mbrNo": "410000001"}, 2),
        ({"promoNo": w["cart_promo"].promo_no}, 1),
        ({"useDtmFrom": (timezone.now() + timedelta(hours=1)).isoformat()}, 0),
        ({"ordNo": "ORD-000"}, 0),
    ]:
        assert (
            len(token_client(md).get("/api/v1/admin/coupon-uses/", params).json()["results"]) == n
        )
    promo = token_client(md).get(f"/api/v1/admin/promotions/{w['goods_promo'].promo_no}/").json()
    assert (promo["budgetAmt"], promo["useDcAmt"], promo["budgetBurnRate"]) == (100_000, 2000, 2)
    # the member-coupon admin: searchable by the order number, the use on the change page
    client.force_login(md)
    found = client.get("/admin/coupons/membercoupon/", {"q": "ORD-777"}).content.decode()
    assert str(w["goods"].pk) in found and str(w["cart"].pk) in found and "ORD-777" in found
    page = client.get(f"/admin/coupons/membercoupon/{w['cart'].pk}/change/").content.decode()
    assert "ORD-777" in page and "1,800 / 1,200" in page and "1,250" in page and "CLM-9" in page
    promo_page = client.get(
        f"/admin/coupons/promotion/{w['goods_promo'].pk}/change/"
    ).content.decode()
    assert "2,000원 / 100,000원 (소진율 2%" in promo_page


def test_budget_is_a_revised_term_of_an_approved_promotion(world):
    md = make_user("md-budget", role=MERCHANDISER)
    r = token_client(md).patch(
        f"/api/v1/admin/promotions/{world['goods_promo'].promo_no}/",
        {"budgetAmt": 50_000},
        format="json",
    )
    assert r.status_code == 202, r.content
    assert Promotion.objects.get(pk=world["goods_promo"].pk).budget_amt == 100_000


def test_budget_below_the_used_amount_is_refused(world, api):
    w = world
    api.post(USE_URL, use_body("ORD-1", w["member"], both(w)), format="json")
    draft = Promotion.objects.get(pk=w["goods_promo"].pk)
    draft.budget_amt = 1000
    from coupons.services import promotion_errors

    assert "budget_amt" in promotion_errors(draft)
