"""Admin REST resource member-coupons/: list, filters, revoke."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.coupons.api.conftest import issue, make_member, token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


def test_member_coupons_list_filter_and_revoke(make_promotion, cs):
    a, b = make_member(), make_member()
    p = make_promotion(mbr_issu_lmt_qty=3)
    coupons = issue(a, p, qty=2) + issue(b, p)
    client = token_client(cs)
    data = client.get(f"{BASE}/member-coupons/", {"mbrNo": a.mbr_no}).json()
    assert [x["cpnIsuNo"] for x in data["results"]] == [coupons[1].pk, coupons[0].pk]
    row = data["results"][0]
    assert {
        "cpnIsuNo",
        "mbrNo",
        "promoNo",
        "cpnIsuDtm",
        "valiStrtDtm",
        "valiEndDtm",
        "cpnStatCd",
        "channel",
        "csCpnPayCausCd",
        "systemUserNo",
        "autoIssuOdr",
        "revokedBy",
        "revokedAt",
        "revokeReason",
    } <= set(row)
    r = client.post(
        f"{BASE}/member-coupons/{coupons[0].pk}/revoke/", {"reason": "오발급"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert (r.json()["cpnStatCd"], r.json()["revokedBy"], r.json()["revokeReason"]) == (
        "REVOKED",
        "cs",
        "오발급",
    )
    again = client.post(
        f"{BASE}/member-coupons/{coupons[0].pk}/revoke/", {"reason": "오발급"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_REVOKED"
    assert (
        client.post(f"{BASE}/member-coupons/{coupons[1].pk}/revoke/", {}, format="json").status_code
        == 400
    )
    assert (
        client.post(
            f"{BASE}/member-coupons/99999999/revoke/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{BASE}/member-coupons/{'9' * 30}/revoke/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    revoked = client.get(f"{BASE}/member-coupons/", {"cpnStatCd": "REVOKED"}).json()["results"]
    assert [x["cpnIsuNo"] for x in revoked] == [coupons[0].pk]
    assert [
        x["cpnIsuNo"]
        for x in client.get(
            f"{BASE}/member-coupons/", {"promoNo": p.promo_no, "status": "ISSUED"}
        ).json()["results"]
    ] == [coupons[2].pk, coupons[1].pk]
    counts = {}
    for rows in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"{BASE}/member-coupons/", {"rowsPerPage": rows})
        counts[rows] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts
