"""Admin REST resource promotions/: create, read, update, field errors, transitions, paging."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coupons.models import Promotion
from tests.coupons.api.conftest import issue, make_member, token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


def promo_body(**overrides):
    now = timezone.localtime()
    data = {
        "promoNm": "봄맞이 10% 할인",
        "promoTypCd": "11",
        "cpnIssuMainCd": "10",
        "cpnIssuWayCd": "03",
        "fixAmtFxrtGbCd": "02",
        "dcRateAmt": 10,
        "minBuyAmt": 10000,
        "maxDcAmt": 5000,
        "ourChrgRate": 70,
        "entrChrgRate": 30,
        "promoStrDtm": (now - timedelta(days=1)).isoformat(),
        "promoEndDtm": (now + timedelta(days=30)).isoformat(),
        "valiBasisCd": "02",
        "valiDays": 7,
        "issuLmtQty": 1000,
        "mbrIssuLmtQty": 1,
        "ordMediaCdList": ["20", "30"],
        "gradeCdList": ["30"],
        "uprGradeAplyYn": "Y",
        "siteNoList": ["1"],
        "targets": [
            {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000"},
            {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "B200"},
        ],
    }
    data.update(overrides)
    return data


def test_promotion_create_read_update(md):
    client = token_client(md)
    r = client.post(f"{BASE}/promotions/", promo_body(), format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["promoNo"].startswith("C") and len(data["promoNo"]) == 8
    assert (data["promoStatCd"], data["issuQty"], data["uprGradeAplyYn"], data["allGoodsYn"]) == (
        "DRAFT",
        0,
        "Y",
        "N",
    )
    assert (
        data["ordMediaCdList"] == ["20", "30"]
        and data["gradeCdList"] == ["30"]
        and data["siteNoList"] == ["1"]
    )
    assert sorted(data["targets"], key=lambda t: t["aplyTypCd"]) == [
        {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "B200"},
        {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E1000"},
    ]
    assert data["promoStrDtm"].endswith("+09:00")
    promotion = Promotion.objects.get(promo_no=data["promoNo"])
    assert (
        promotion.our_chrg_rate,
        promotion.entr_chrg_rate,
        promotion.created_by,
        promotion.all_goods_yn,
    ) == (70, 30, md, False)

    url = f"{BASE}/promotions/{data['promoNo']}/"
    assert client.get(url).json() == data
    r = client.patch(url, {"promoNm": "바뀐 이름", "uprGradeAplyYn": False}, format="json")
    assert r.status_code == 200 and (r.json()["promoNm"], r.json()["uprGradeAplyYn"]) == (
        "바뀐 이름",
        "N",
    )
    assert len(r.json()["targets"]) == 2  # untouched when not sent
    r = client.put(url, promo_body(promoNm="전체", targets=[]), format="json")
    assert r.status_code == 200 and r.json()["targets"] == [] and r.json()["allGoodsYn"] == "Y"


def test_promotion_field_errors_are_camel_case(md):
    client = token_client(md)
    r = client.post(
        f"{BASE}/promotions/",
        promo_body(
            ourChrgRate=50, entrChrgRate=30, dcRateAmt=150, promoEndDtm="2000-01-01T00:00:00+09:00"
        ),
        format="json",
    )
    assert r.status_code == 400, r.content
    fields = r.json()["fields"]
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert {"entrChrgRate", "dcRateAmt", "promoEndDtm"} <= set(fields), fields
    assert all(not ("_" in k and k != "non_field_errors") for k in fields), fields
    assert Promotion.objects.count() == 0
    r = client.post(f"{BASE}/promotions/", promo_body(cpnIssuWayCd="04"), format="json")
    assert r.status_code == 400 and "dcCpnCd" in r.json()["fields"]


@pytest.mark.parametrize(
    "bad",
    [
        {"dcRateAmt": 10**20},
        {"minBuyAmt": -1},
        {"minBuyAmt": 2**64},
        {"promoStrDtm": "yesterday"},
        {"promoStrDtm": "0001-01-01T00:00:00+14:00"},
        {"promoEndDtm": "9999-12-31T23:59:59-12:00"},
        {"ordMediaCdList": []},
        {"ordMediaCdList": ["99"]},
        {"gradeCdList": "30"},
        {"uprGradeAplyYn": "maybe"},
        {"targets": [{"aplyTypCd": "04", "tgtNo": "x"}]},
        {"siteNoList": ["1,2"]},
        {"promoNm": "x" * 101},
        {"promoNm": "a\x00b"},
        {"valiDays": 40000},
    ],
)
def test_promotion_bad_shapes_are_400(md, bad):
    r = token_client(md).post(f"{BASE}/promotions/", promo_body(**bad), format="json")
    assert r.status_code == 400, r.content
    # an error inside a list or an object is named by its path: targets[0].aplyTypCd
    assert set(bad) <= {re.split(r"[\[.]", name)[0] for name in r.json()["fields"]}


def test_approve_suspend_end(md, approver, cs):
    r = token_client(md).post(f"{BASE}/promotions/", promo_body(), format="json")
    no = r.json()["promoNo"]
    r = token_client(md).post(f"{BASE}/promotions/{no}/approve/")
    assert r.status_code == 400 and r.json()["code"] == "SELF_APPROVAL"
    assert "approvedBy" in r.json()["fields"]
    assert token_client(cs).post(f"{BASE}/promotions/{no}/approve/").status_code == 403
    client = token_client(approver)
    r = client.post(f"{BASE}/promotions/{no}/approve/")
    assert r.status_code == 200 and r.json()["promoStatCd"] == "APPROVED" and r.json()["aprvDtm"]
    assert client.post(f"{BASE}/promotions/{no}/approve/").status_code == 409
    assert client.post(f"{BASE}/promotions/{no}/suspend/").json()["promoStatCd"] == "SUSPENDED"
    assert client.post(f"{BASE}/promotions/{no}/end/").json()["promoStatCd"] == "ENDED"
    r = client.post(f"{BASE}/promotions/{no}/suspend/")
    assert (
        r.status_code == 409
        and r.json()["code"] == "INVALID_STATUS"
        and "promoStatCd" in r.json()["fields"]
    )
    assert client.post(f"{BASE}/promotions/C0000000/end/").status_code == 404
    assert client.post(f"{BASE}/promotions/garbage/end/").status_code == 404
    assert client.post(f"{BASE}/promotions/garbage%00/end/").status_code == 400  # NUL: refused


def test_frozen_terms_after_issue(make_promotion, md):
    p = make_promotion(mbr_issu_lmt_qty=2)
    issue(make_member(), p)
    r = token_client(md).patch(
        f"{BASE}/promotions/{p.promo_no}/", {"dcRateAmt": 2000, "promoNm": "ok"}, format="json"
    )
    assert r.status_code == 400 and "dcRateAmt" in r.json()["fields"]
    r = token_client(md).patch(f"{BASE}/promotions/{p.promo_no}/", {"promoNm": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["issuQty"] == 1


def test_promotion_list_filters_paging_and_queries(make_promotion, md):
    for i in range(7):
        make_promotion(
            promo_nm=f"p{i}", targets=[{"aply_gb_cd": "02", "aply_typ_cd": "02", "tgt_no": f"G{i}"}]
        )
    make_promotion(promo_nm="draft", approve=False)
    client = token_client(md)
    r = client.get(f"{BASE}/promotions/", {"promoStatCd": "DRAFT"})
    assert [x["promoNm"] for x in r.json()["results"]] == ["draft"]
    counts, seen, url = {}, [], f"{BASE}/promotions/?rowsPerPage=3"
    while url:
        data = client.get(url).json()
        seen += [x["promoNo"] for x in data["results"]]
        url = data["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == 8
    for rows in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"{BASE}/promotions/", {"rowsPerPage": rows})
        assert len(r.json()["results"]) == min(rows, 8)
        counts[rows] = len(ctx.captured_queries)
    assert counts[1] == counts[100], counts
    assert client.get(f"{BASE}/promotions/", {"cursor": "garbage"}).status_code == 404
    assert client.get(f"{BASE}/promotions/", {"promoStatCd": "NOPE"}).status_code == 400
