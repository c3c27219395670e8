"""cpnDown (member), cpnDownBo and getCouponListByAutoIssuTypCd (BO / batch)."""

import pytest

from coupons import codes
from coupons.models import MemberCoupon
from tests.coupons.api.conftest import issue, make_member, make_user, member_client, token_client

DOWN = "/v1/marketing/cpnDown"
DOWN_BO = "/v1/marketing/cpnDownBo"
AUTO = "/v1/marketing/getCouponListByAutoIssuTypCd"

pytestmark = pytest.mark.django_db


def held(member, promotion=None):
    qs = MemberCoupon.objects.filter(member=member).exclude(status=codes.CouponStatus.REVOKED)
    return qs.filter(promotion=promotion).count() if promotion else qs.count()


def test_download_copies_and_body(make_promotion):
    member = make_member()
    p = make_promotion(mbr_issu_lmt_qty=3)
    r = member_client(member).post(DOWN, {"promoNoList": [p.promo_no, p.promo_no]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "issuedCnt": 2,
        "results": [
            {
                "promoNo": p.promo_no,
                "issuedQty": 2,
                "code": "OK",
                "message": r.json()["results"][0]["message"],
            }
        ],
    }
    assert held(member, p) == 2
    coupon = MemberCoupon.objects.filter(member=member).first()
    assert coupon.channel == codes.Channel.DOWNLOAD


def test_seed_style_comma_list_and_partial_success(make_promotion):
    member = make_member()
    ok = make_promotion(promo_nm="ok")
    targeted = make_promotion(promo_nm="targeted", cpn_issu_way_cd="01")
    r = member_client(member).post(
        DOWN, {"promoNoList": [f"{ok.promo_no}, {targeted.promo_no}, C9999999"]}, format="json"
    )
    assert r.status_code == 200
    results = {x["promoNo"]: x for x in r.json()["results"]}
    assert r.json()["issuedCnt"] == 1
    assert (results[ok.promo_no]["issuedQty"], results[ok.promo_no]["code"]) == (1, "OK")
    assert (results[targeted.promo_no]["issuedQty"], results[targeted.promo_no]["code"]) == (
        0,
        "NOT_DOWNLOADABLE",
    )
    assert results["C9999999"]["code"] == "UNKNOWN_PROMOTION"
    for x in r.json()["results"]:
        assert set(x) == {"promoNo", "issuedQty", "code", "message"}


@pytest.mark.parametrize(
    "setup,code,status",
    [
        (dict(mbr_issu_lmt_qty=1), "MEMBER_LIMIT", 409),
        (dict(issu_lmt_qty=1), "SOLD_OUT", 409),
        (dict(grade_cds=["50"]), "GRADE_NOT_ELIGIBLE", 409),
        (dict(approve=False), "NOT_APPROVED", 409),
    ],
)
def test_refusal_is_4xx_with_same_body(make_promotion, setup, code, status):
    member = make_member(grade=codes.Grade.GOLD)
    p = make_promotion(**setup)
    if code in ("MEMBER_LIMIT", "SOLD_OUT"):
        issue(member if code == "MEMBER_LIMIT" else make_member(), p)
    before = MemberCoupon.objects.count()
    r = member_client(member).post(DOWN, {"promoNoList": [p.promo_no]}, format="json")
    assert r.status_code == status, r.content
    assert r.json()["issuedCnt"] == 0
    assert [(x["promoNo"], x["issuedQty"], x["code"]) for x in r.json()["results"]] == [
        (p.promo_no, 0, code)
    ]
    assert MemberCoupon.objects.count() == before


def test_unknown_promotion_is_404():
    r = member_client(make_member()).post(DOWN, {"promoNoList": ["C9999999"]}, format="json")
    assert r.status_code == 404 and r.json()["results"][0]["code"] == "UNKNOWN_PROMOTION"


def test_discount_code(make_promotion):
    member = make_member()
    p = make_promotion(cpn_issu_way_cd="04", dc_cpn_cd="SPRING2024")
    client = member_client(member)
    r = client.post(DOWN, {"dcCpnCd": "spring2024"}, format="json")
    assert r.status_code == 200 and r.json()["results"][0]["promoNo"] == p.promo_no
    assert MemberCoupon.objects.get(member=member).channel == codes.Channel.CODE
    r = client.post(
        DOWN, {"promoNoList": [p.promo_no]}, format="json"
    )  # a code coupon is not downloadable by number
    assert r.status_code == 409 and r.json()["results"][0]["code"] in (
        "NOT_DOWNLOADABLE",
        "MEMBER_LIMIT",
    )
    r = client.post(DOWN, {"dcCpnCd": "NOSUCHCODE"}, format="json")
    assert r.status_code == 404 and r.json()["results"][0]["code"] == "UNKNOWN_PROMOTION"


def test_idempotency_key(make_promotion):
    member = make_member()
    p = make_promotion(mbr_issu_lmt_qty=5)
    client = member_client(member)
    first = client.post(
        DOWN, {"promoNoList": [p.promo_no]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        DOWN, {"promoNoList": [p.promo_no]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert held(member, p) == 1
    other_body = client.post(
        DOWN, {"promoNoList": [p.promo_no, p.promo_no]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other_body.status_code == 409 and other_body.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    bad = client.post(
        DOWN, {"promoNoList": [p.promo_no]}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 101
    )
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["fields"]
    assert held(member, p) == 1


def test_member_cannot_download_as_another(make_promotion):
    a, b = make_member(), make_member()
    p = make_promotion()
    r = member_client(a).post(DOWN, {"promoNoList": [p.promo_no], "mbrNo": b.mbr_no}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "MEMBER_MISMATCH"
    assert held(a) == held(b) == 0
    r = member_client(a).post(DOWN, {"promoNoList": [p.promo_no], "mbrNo": a.mbr_no}, format="json")
    assert r.status_code == 200 and held(a) == 1 and held(b) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"promoNoList": []},
        {"promoNoList": ["X1"]},
        {"promoNoList": "C1000000"},
        {"promoNoList": [None]},
        {"promoNoList": ["C1000000"] * 101},
        {"dcCpnCd": "x" * 21},
        {"downloadByPromoNo": False},
    ],
)
def test_bad_download_input(payload):
    r = member_client(make_member()).post(DOWN, payload, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "VALIDATION_ERROR"


# -- cpnDownBo ---------------------------------------------------------------------------------
def bo_body(promotion, member, **extra):
    data = {
        "promoNoList": [promotion.promo_no],
        "mbrNo": member.mbr_no,
        "systemUserNo": "BATCH",
        "autoIssuOdr": "20240501",
    }
    data.update(extra)
    return data


def test_bo_auto_issue_round_is_idempotent(make_promotion, batch):
    member = make_member()
    p = make_promotion(
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="10",
        auto_issu_qty=2,
        mbr_issu_lmt_qty=10,
    )
    client = token_client(batch)
    r = client.post(DOWN_BO, bo_body(p, member), format="json")
    assert r.status_code == 200, r.content
    assert r.json()["issuedCnt"] == 2 and r.json()["results"][0]["issuedQty"] == 2
    again = client.post(DOWN_BO, bo_body(p, member), format="json")
    assert again.status_code == 409 and again.json()["issuedCnt"] == 0
    assert again.json()["results"][0]["code"] == "ALREADY_ISSUED"
    assert held(member, p) == 2
    coupon = MemberCoupon.objects.filter(member=member).first()
    assert (coupon.channel, coupon.system_user_no, coupon.auto_issu_odr) == (
        "BATCH",
        "BATCH",
        "20240501",
    )
    next_round = client.post(DOWN_BO, bo_body(p, member, autoIssuOdr="20240502"), format="json")
    assert next_round.status_code == 200 and held(member, p) == 4


def test_bo_idempotency_key(make_promotion, batch):
    member = make_member()
    p = make_promotion(cpn_issu_way_cd="01", mbr_issu_lmt_qty=5)
    client = token_client(batch)
    body = bo_body(p, member, systemUserNo="batch", autoIssuOdr="")
    body["autoIssuOdr"] = "R1"
    r1 = client.post(DOWN_BO, body, format="json", HTTP_IDEMPOTENCY_KEY="bo-1")
    r2 = client.post(DOWN_BO, body, format="json", HTTP_IDEMPOTENCY_KEY="bo-1")
    assert r1.status_code == r2.status_code == 200 and r1.json() == r2.json()
    assert held(member, p) == 1


def test_bo_cs_promotion_needs_reason_and_compensation_permission(make_promotion, batch, cs):
    member = make_member()
    p = make_promotion(cpn_issu_main_cd="20", cpn_issu_way_cd="01")
    r = token_client(batch).post(DOWN_BO, bo_body(p, member, systemUserNo="batch"), format="json")
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"
    both = make_user("bo-cs", perms=("coupons.issue_membercoupon", "coupons.issue_compensation"))
    client = token_client(both)
    r = client.post(DOWN_BO, bo_body(p, member, systemUserNo="bo-cs"), format="json")
    assert r.status_code == 400 and r.json()["results"][0]["code"] == "REASON_REQUIRED"
    r = client.post(
        DOWN_BO, bo_body(p, member, systemUserNo="bo-cs", csCpnPayCausCd="02"), format="json"
    )
    assert r.status_code == 200, r.content
    coupon = MemberCoupon.objects.get(member=member)
    assert (coupon.channel, coupon.cs_cpn_pay_caus_cd, coupon.issued_by_id) == ("CS", "02", both.pk)
    # a CS agent (no coupons.issue_membercoupon) never reaches cpnDownBo
    r = token_client(cs).post(
        DOWN_BO, bo_body(p, member, systemUserNo="cs", csCpnPayCausCd="02"), format="json"
    )
    assert r.status_code == 403
    assert held(member) == 1


def test_bo_unknown_member(make_promotion, batch):
    p = make_promotion(cpn_issu_way_cd="01")
    r = token_client(batch).post(
        DOWN_BO,
        {
            "promoNoList": [p.promo_no],
            "mbrNo": "NOBODY",
            "systemUserNo": "BATCH",
            "autoIssuOdr": "1",
        },
        format="json",
    )
    assert r.status_code == 404 and r.json()["results"][0]["code"] == "UNKNOWN_MEMBER"


def test_bo_missing_fields(batch):
    r = token_client(batch).post(DOWN_BO, {}, format="json")
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"promoNoList", "mbrNo", "systemUserNo", "autoIssuOdr"}


# -- getCouponListByAutoIssuTypCd ----------------------------------------------------------------
def test_auto_issue_type_list(make_promotion, batch, cs):
    birthday = make_promotion(
        promo_nm="생일",
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="20",
        anvy_pre_isu_dds=7,
        auto_issu_qty=1,
        grade_cds=["30"],
        our_chrg_rate=60,
        entr_chrg_rate=40,
    )
    make_promotion(
        promo_nm="가입",
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="1001",
        auto_issu_potm_cd="10",
        auto_issu_qty=1,
    )
    make_promotion(
        promo_nm="draft",
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="10",
        auto_issu_qty=1,
        approve=False,
    )
    for client in (token_client(batch), token_client(cs)):  # both hold coupons.view_promotion
        r = client.get(AUTO, {"autoIssuTypCd": "2101"})
        assert r.status_code == 200, r.content
        assert r.json() == [
            {
                "promoNo": birthday.promo_no,
                "promoNm": "생일",
                "promoTypCd": "11",
                "ourChrgRate": 60,
                "entrChrgRate": 40,
                "fixAmtFxrtGbCd": "01",
                "dcRateAmt": 1000,
                "minBuyAmt": 10000,
                "maxDcAmt": None,
                "autoIssuPotmCd": "20",
                "anvyPreIsuDds": 7,
                "autoIssuQty": 1,
            }
        ]
    client = token_client(batch)
    assert (
        client.get(AUTO, {"autoIssuTypCd": "2101", "gradeCd": "30"}).json()[0]["promoNo"]
        == birthday.promo_no
    )
    assert client.get(AUTO, {"autoIssuTypCd": "2101", "gradeCd": "20"}).json() == []
    r = client.get(AUTO, {"autoIssuTypCd": "9999"})
    assert r.status_code == 400 and "autoIssuTypCd" in r.json()["fields"]
    assert client.get(AUTO, {}).status_code == 400
    assert client.get(AUTO, {"autoIssuTypCd": "2101", "gradeCd": "99"}).status_code == 400
    nobody = make_user("nobody")
    assert token_client(nobody).get(AUTO, {"autoIssuTypCd": "2101"}).status_code == 403
