"""Admin REST resource compensations/: preview and issue."""

import pytest

from coupons.models import MemberCoupon
from tests.coupons.api.conftest import issue, make_member, token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


def test_compensation_preview_and_issue(make_promotion, cs):
    ok, limited = make_member(), make_member()
    p = make_promotion(cpn_issu_main_cd="20", cpn_issu_way_cd="01")
    issue(limited, p)
    client = token_client(cs)
    body = {
        "mbrNoList": [ok.mbr_no, "NOBODY", limited.mbr_no],
        "promoNo": p.promo_no,
        "csCpnPayCausCd": "02",
        "memo": "배송지연",
        "ordNo": "O1",
        "preview": True,
    }
    r = client.post(f"{BASE}/compensations/", body, format="json")
    assert r.status_code == 200, r.content
    assert [(x["mbrNo"], x["code"]) for x in r.json()["results"]] == [
        (ok.mbr_no, "OK"),
        ("NOBODY", "UNKNOWN_MEMBER"),
        (limited.mbr_no, "MEMBER_LIMIT"),
    ]
    assert MemberCoupon.objects.filter(member=ok).count() == 0
    body["preview"] = False
    r = client.post(f"{BASE}/compensations/", body, format="json", HTTP_IDEMPOTENCY_KEY="cs-1")
    assert r.status_code == 200 and r.json()["issuedCnt"] == 1
    assert [(x["mbrNo"], x["issuedQty"]) for x in r.json()["results"]] == [
        (ok.mbr_no, 1),
        ("NOBODY", 0),
        (limited.mbr_no, 0),
    ]
    again = client.post(f"{BASE}/compensations/", body, format="json", HTTP_IDEMPOTENCY_KEY="cs-1")
    assert again.json()["runId"] == r.json()["runId"]
    coupon = MemberCoupon.objects.get(member=ok)
    assert (coupon.channel, coupon.cs_cpn_pay_caus_cd, coupon.memo, coupon.issued_by) == (
        "CS",
        "02",
        "배송지연",
        cs,
    )
    not_cs = make_promotion()
    r = client.post(f"{BASE}/compensations/", {**body, "promoNo": not_cs.promo_no}, format="json")
    assert r.status_code == 400 and "promoNo" in r.json()["fields"]
    r = client.post(f"{BASE}/compensations/", {**body, "csCpnPayCausCd": ""}, format="json")
    assert r.status_code == 400 and "csCpnPayCausCd" in r.json()["fields"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"mbrNoList": ["OTHER-1"]}, "mbrNoList"),
        ({"csCpnPayCausCd": "03"}, "csCpnPayCausCd"),
        ({"memo": "다른 메모"}, "memo"),
        ({"promoNo": "other"}, "promoNo"),
    ],
)
def test_same_key_with_another_request_is_409(make_promotion, cs, change, field):
    """As for a download's Idempotency-Key: the same key with the same body returns the first
    run; with another body it is a 409 in the error shape, and nothing more is issued."""
    first, other = make_member(), make_member("OTHER-1")
    p = make_promotion(cpn_issu_main_cd="20", cpn_issu_way_cd="01", mbr_issu_lmt_qty=5)
    p2 = make_promotion(cpn_issu_main_cd="20", cpn_issu_way_cd="01")
    if change.get("promoNo") == "other":
        change = {"promoNo": p2.promo_no}
    client = token_client(cs)
    body = {
        "mbrNoList": [first.mbr_no],
        "promoNo": p.promo_no,
        "csCpnPayCausCd": "02",
        "memo": "배송지연",
        "ordNo": "O1",
    }
    r = client.post(f"{BASE}/compensations/", body, format="json", HTTP_IDEMPOTENCY_KEY="cs-9")
    assert r.status_code == 200 and r.json()["issuedCnt"] == 1
    reused = client.post(
        f"{BASE}/compensations/", {**body, **change}, format="json", HTTP_IDEMPOTENCY_KEY="cs-9"
    )
    assert reused.status_code == 409, reused.content
    error = reused.json()
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "SUBMISSION_KEY_REUSED"
    assert f"#{r.json()['runId']}" in error["message"]
    assert error["fields"] == {
        "Idempotency-Key": ["이미 다른 요청에 쓰인 제출키입니다."],
        field: ["처음 제출한 요청과 다릅니다."],
    }
    assert MemberCoupon.objects.count() == 1
    assert not MemberCoupon.objects.filter(member=other).exists()
    same = client.post(f"{BASE}/compensations/", body, format="json", HTTP_IDEMPOTENCY_KEY="cs-9")
    assert same.status_code == 200 and same.json()["runId"] == r.json()["runId"]
    assert MemberCoupon.objects.count() == 1
    # Another caller's same key is another submission.
    from tests.coupons.api.conftest import make_user

    cs2 = make_user("cs-other", role="CS agent")
    mine = token_client(cs2).post(
        f"{BASE}/compensations/", {**body, **change}, format="json", HTTP_IDEMPOTENCY_KEY="cs-9"
    )
    assert mine.status_code == 200 and mine.json()["runId"] != r.json()["runId"]
