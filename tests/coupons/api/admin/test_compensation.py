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
