"""`/api/v1/admin/esm/seller-discounts/`: create keyed by goodsNo, list, read, change, push /
release / pull / read answering 202 with the job, bulk push as one job, the one error shape on
bad input (nothing saved, nothing sent), in the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm.models import EsmSellerDiscount
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admin/esm/seller-discounts/"
GOODS = "2558387297"


def body(gmkt=None, iac=None, **top) -> dict:
    data = {
        "goodsNo": GOODS,
        "isUse": True,
        "gmkt": {
            "type": 1,
            "priceOrRate1": 1000,
            "priceOrRate2": 200,
            "startDate": "2026-12-01",
            "endDate": "2026-12-31",
            **(gmkt or {}),
        },
        "iac": {
            "type": 2,
            "priceOrRate1": 12,
            "priceOrRate2": None,
            "startDate": "2026-12-01",
            "endDate": "2027-01-31",
            **(iac or {}),
        },
    }
    data.update(top)
    return data


@pytest.fixture
def api(merchandiser, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 20_000, 30_000)
    client = APIClient()
    client.force_authenticate(merchandiser)
    return client


def test_create_list_read_and_change(api, sandbox, merchandiser):
    from coupons.services import promotion_create
    from tests.factories import promotion_data

    promotion = promotion_create(user=merchandiser, data=promotion_data())
    response = api.post(BASE, body(promoNo=promotion.promo_no), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["goodsNo"], data["isUse"], data["promoNo"]) == (GOODS, True, promotion.promo_no)
    assert data["gmkt"] == body()["gmkt"] and data["iac"] == body()["iac"]
    assert (data["localState"], data["remoteState"]) == ("DRAFT", "NOT_REGISTERED")
    assert (data["price"]["gmkt"], data["price"]["gmktCeiling"]) == (20_000, 14_000)
    assert (data["price"]["iac"], data["price"]["iacCeiling"]) == (30_000, 21_000)
    assert data["price"]["readAt"]

    assert [r["goodsNo"] for r in api.get(BASE).json()["results"]] == [GOODS]
    assert api.get(BASE, {"promoNo": promotion.promo_no}).json()["results"][0]["goodsNo"] == GOODS
    assert api.get(f"{BASE}{GOODS}/").json()["iac"]["priceOrRate1"] == 12

    changed = api.put(
        f"{BASE}{GOODS}/",
        {k: v for k, v in body(iac={"type": 1, "priceOrRate1": 5000}).items() if k != "goodsNo"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["iac"]["type"], changed.json()["iac"]["priceOrRate1"]) == (1, 5000)
    assert changed.json()["promoNo"] == promotion.promo_no  # not sent: the link is kept
    unlinked = api.put(
        f"{BASE}{GOODS}/",
        {k: v for k, v in body(promoNo=None).items() if k != "goodsNo"},
        format="json",
    )
    assert unlinked.status_code == 200 and unlinked.json()["promoNo"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"gmkt": {"priceOrRate1": 50}}, "gmkt.priceOrRate1"),
        ({"gmkt": {"priceOrRate2": 205}}, "gmkt.priceOrRate2"),
        ({"iac": {"priceOrRate1": 71}}, "iac.priceOrRate1"),
        ({"iac": {"priceOrRate2": 60}}, "iac.priceOrRate2"),
        ({"iac": {"type": 4}}, "iac.type"),
        ({"gmkt": {"endDate": "2026-11-01"}}, "gmkt.endDate"),
        ({"iac": {"startDate": None}}, "iac.startDate"),
        ({"gmkt": {"priceOrRate1": 13_900}}, "gmkt.priceOrRate1"),  # 13,900 + 200 > 14,000
        ({"promoNo": "C9999999"}, "promoNo"),
        ({"goodsNo": "0012"}, "goodsNo"),
    ],
)
def test_bad_input_answers_400_in_the_one_error_shape_with_nothing_saved(
    api, sandbox, change, field
):
    payload = body(gmkt=change.get("gmkt"), iac=change.get("iac"))
    payload.update({k: v for k, v in change.items() if k not in ("gmkt", "iac")})
    response = api.post(BASE, payload, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "VALIDATION_ERROR" and list(data["fields"]) == [field], data
    assert data["message"]
    assert not EsmSellerDiscount.objects.exists()
    assert not HttpExchange.objects.exclude(path__endswith="/price").exists()
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None


def test_the_70_percent_refusal_names_the_price_and_when(api):
    response = api.post(BASE, body(gmkt={"priceOrRate1": 13_900}), format="json")
    (message,) = response.json()["fields"]["gmkt.priceOrRate1"]
    assert message.startswith("G마켓 할인금액 14,100원이 G마켓 판매가 20,000원(")
    assert message.endswith("조회)의 70%인 14,000원을 넘습니다.")


def test_shape_errors_are_400_not_500(api):
    response = api.post(
        BASE,
        {"goodsNo": "12ab", "isUse": "maybe", "gmkt": {"priceOrRate1": 2**40}, "iac": "no"},
        format="json",
    )
    assert response.status_code == 400
    assert {"goodsNo", "isUse", "gmkt.type", "gmkt.priceOrRate1", "iac"} <= set(
        response.json()["fields"]
    )
    assert HttpExchange.objects.count() == 0


def test_push_pull_read_release_answer_202_with_the_job(
    api, sandbox, django_capture_on_commit_callbacks
):
    assert api.post(BASE, body(), format="json").status_code == 201

    def post(path):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"{BASE}{GOODS}/{path}/")
        assert response.status_code == 202, response.json()
        return response.json()

    job = post("push")
    assert (job["targetType"], job["targetId"], job["operation"]) == (
        "esm.seller_discount",
        GOODS,
        "push",
    )
    assert Job.objects.get(pk=job["id"]).status == "SUCCEEDED"
    data = api.get(f"{BASE}{GOODS}/").json()
    assert (data["localState"], data["remoteState"]) == ("SYNCED", "REGISTERED")

    remote = sandbox_esm.stored_discount(sandbox.state, GOODS)
    remote["isUse"] = False
    sandbox_esm.store_discount(sandbox.state, GOODS, remote)
    post("pull")
    data = api.get(f"{BASE}{GOODS}/").json()
    assert data["remote"]["differences"] == [
        {"field": "isUse", "label": "판매자할인 사용", "local": True, "remote": False}
    ]
    assert data["localState"] == "DRAFT"

    post("read")
    data = api.get(f"{BASE}{GOODS}/").json()
    assert (data["isUse"], data["localState"], data["remote"]["differences"]) == (
        False,
        "SYNCED",
        [],
    )

    post("release")
    assert api.get(f"{BASE}{GOODS}/").json()["remoteState"] == "NOT_REGISTERED"
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None
    refused = api.post(f"{BASE}{GOODS}/release/")
    assert refused.status_code == 409 and refused.json()["code"] == "NOT_REGISTERED"
    with django_capture_on_commit_callbacks(execute=False):
        api.post(f"{BASE}{GOODS}/pull/")
        conflict = api.post(f"{BASE}{GOODS}/push/")
    assert conflict.status_code == 409 and conflict.json()["code"] == "SYNC_JOB_OPEN"


def test_bulk_push_endpoint(api, sandbox, django_capture_on_commit_callbacks):
    goods = [str(2_600_000_000 + n) for n in range(3)]
    for goods_no in goods:
        payload = body(gmkt={"type": 2, "priceOrRate1": 10, "priceOrRate2": None})
        payload["goodsNo"] = goods_no
        assert api.post(BASE, payload, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}bulk-push/", {"goodsNoList": goods}, format="json")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.target_type, job.status, job.result["succeeded"]) == (
        "esm.seller_discount_bulk",
        "SUCCEEDED",
        3,
    )
    missing = api.post(
        f"{BASE}bulk-push/", {"goodsNoList": [goods[0], "777", "888"]}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["fields"]["goodsNoList"] == ["등록되지 않은 상품번호 2개: 777, 888"]
    assert Job.objects.count() == 1
    empty = api.post(f"{BASE}bulk-push/", {"goodsNoList": []}, format="json")
    assert empty.status_code == 400 and "goodsNoList" in empty.json()["fields"]


def test_permissions(django_user_model, sandbox):
    nobody = django_user_model.objects.create_user("nobody", password="pw-n-12345")
    client = APIClient()
    assert client.get(BASE).status_code == 401
    client.force_authenticate(nobody)
    assert client.get(BASE).status_code == 403
    assert client.post(BASE, body(), format="json").status_code == 403
    assert HttpExchange.objects.count() == 0


def test_in_the_openapi_schema(admin_client):
    response = admin_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for suffix in (
        "",
        "bulk-push/",
        "{goodsNo}/",
        *(f"{{goodsNo}}/{op}/" for op in ("push", "release", "pull", "read")),
    ):
        assert f"{BASE}{suffix}" in paths
