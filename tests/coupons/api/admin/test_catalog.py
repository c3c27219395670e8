"""Admin REST resources members/, goods/, exhibitions/ and their bulk upserts."""

import pytest

from coupons.models import Exhibition, Member
from tests.coupons.api.conftest import token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


def test_bulk_upserts_with_row_errors(admin_user_):
    client = token_client(admin_user_)
    r = client.post(
        f"{BASE}/members/bulk/",
        {
            "rows": [
                {"mbrNo": "100000001", "gradeCd": "30", "birthday": "1990-05-01", "siteNo": "1"},
                {"mbrNo": "100000002", "gradeCd": "99"},
                {"mbrNo": "100000003", "gradeCd": "10", "anniversary": "not a date"},
                {"mbrNo": "100000005", "gradeCd": "50", "joinedAt": "2024-01-02T03:04:05+09:00"},
            ]
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["created"], data["updated"]) == (2, 0)
    assert [x["row"] for x in data["rejected"]] == [2, 3]
    assert all(x["reason"] for x in data["rejected"])
    assert Member.objects.get(pk="100000001").grade_cd == "30"
    r = client.post(
        f"{BASE}/members/bulk/", {"rows": [{"mbrNo": "100000001", "gradeCd": "40"}]}, format="json"
    )
    assert (r.json()["created"], r.json()["updated"]) == (0, 1)
    assert Member.objects.get(pk="100000001").grade_cd == "40"

    r = client.post(
        f"{BASE}/goods/bulk/",
        {
            "rows": [
                {
                    "goodsNo": "G1",
                    "goodsNm": "상품1",
                    "salePrice": 39000,
                    "entrNo": "V1",
                    "dispCtgNo": "C1",
                    "brandNo": "B1",
                },
                {
                    "goodsNo": "G2",
                    "goodsNm": "상품2",
                    "salePrice": -5,
                    "entrNo": "V1",
                    "dispCtgNo": "C1",
                },
            ]
        },
        format="json",
    )
    assert (r.json()["created"], [x["row"] for x in r.json()["rejected"]]) == (1, [2])
    r = client.post(
        f"{BASE}/exhibitions/bulk/",
        {
            "rows": [
                {"exhibitionNo": "E1", "exhibitionNm": "기획전", "goodsNoList": ["G1"]},
                {"exhibitionNo": "E2", "exhibitionNm": "없는 상품", "goodsNoList": ["NOPE"]},
            ]
        },
        format="json",
    )
    assert (r.json()["created"], [x["row"] for x in r.json()["rejected"]]) == (1, [2])
    assert list(Exhibition.objects.get(pk="E1").goods.values_list("pk", flat=True)) == ["G1"]
    data = client.get(f"{BASE}/exhibitions/").json()
    assert data["results"] == [
        {"exhibitionNo": "E1", "exhibitionNm": "기획전", "goodsNoList": ["G1"]}
    ]
    assert client.get(f"{BASE}/goods/").json()["results"][0] == {
        "goodsNo": "G1",
        "goodsNm": "상품1",
        "salePrice": 39000,
        "entrNo": "V1",
        "dispCtgNo": "C1",
        "brandNo": "B1",
        "siteNo": "1",
    }
    assert (
        client.get(f"{BASE}/members/", {"gradeCd": "50"}).json()["results"][0]["mbrNo"]
        == "100000005"
    )


def test_bulk_limits(admin_user_):
    client = token_client(admin_user_)
    assert client.post(f"{BASE}/members/bulk/", {"rows": []}, format="json").status_code == 400
    assert client.post(f"{BASE}/members/bulk/", [{"mbrNo": "1"}], format="json").status_code == 400
    rows = [{"mbrNo": f"B{i:07d}", "gradeCd": "10"} for i in range(10_001)]
    assert client.post(f"{BASE}/members/bulk/", {"rows": rows}, format="json").status_code == 400
    r = client.post(f"{BASE}/members/bulk/", {"rows": rows[:10_000]}, format="json")
    assert r.status_code == 200 and r.json()["created"] == 10_000
    assert Member.objects.count() == 10_000
