"""`/api/v1/admin/esm/sponsorships/`: create keyed by goodsNo, list, read, change, push /
release / pull answering 202 with the sync job, the one error shape."""

import pytest
from rest_framework.test import APIClient

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm.models import EsmSponsorship
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admin/esm/sponsorships/"
GOODS = "1158387297"


def body(**gmarket) -> dict:
    return {
        "goodsNo": GOODS,
        "gmarket": {
            "isUse": True,
            "amount": 1000,
            "maxAmount": 100000,
            "field": 99,
            "startDate": "2026-12-01",
            "endDate": "2026-12-31",
            **gmarket,
        },
        "auction": {"isUse": True, "startDate": "2026-12-01", "endDate": "2027-01-31"},
    }


@pytest.fixture
def api(merchandiser):
    client = APIClient()
    client.force_authenticate(merchandiser)
    return client


def test_create_list_read_and_change(api, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 20_000)
    response = api.post(BASE, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["goodsNo"] == GOODS
    assert data["gmarket"] == {
        "isUse": True,
        "amount": 1000,
        "maxAmount": 100000,
        "field": 6,
        "startDate": "2026-12-01",
        "endDate": "2026-12-31",
    }
    assert data["auction"] == {"isUse": True, "startDate": "2026-12-01", "endDate": "2027-01-31"}
    assert (data["localState"], data["remoteState"]) == ("DRAFT", "NOT_REGISTERED")
    assert data["price"]["gmkt"] == 20_000 and data["price"]["amountCeiling"] == 16_000
    assert data["price"]["readAt"]

    listed = api.get(BASE).json()
    assert [row["goodsNo"] for row in listed["results"]] == [GOODS]
    assert api.get(f"{BASE}{GOODS}/").json()["gmarket"]["field"] == 6

    changed = api.put(
        f"{BASE}{GOODS}/",
        {k: v for k, v in body(amount=2000).items() if k != "goodsNo"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["gmarket"]["amount"] == 2000


@pytest.mark.parametrize(
    "gmarket, field",
    [
        ({"amount": 50}, "gmarket.amount"),
        ({"maxAmount": 500}, "gmarket.maxAmount"),
        ({"field": 8}, "gmarket.field"),
        ({"endDate": "2026-11-01"}, "gmarket.endDate"),
        ({"amount": 16_001}, "gmarket.amount"),  # 80 % of 20,000 is 16,000
    ],
)
def test_rules_answer_400_in_the_one_error_shape(api, sandbox, gmarket, field):
    sandbox_esm.set_price(sandbox.state, GOODS, 20_000)
    response = api.post(BASE, body(**gmarket), format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "VALIDATION_ERROR" and list(data["fields"]) == [field]
    assert not EsmSponsorship.objects.exists()
    assert not HttpExchange.objects.exclude(path__endswith="/price").exists()


def test_shape_errors_are_400_not_500(api, sandbox):
    response = api.post(
        BASE, {"goodsNo": "12ab", "gmarket": {"amount": 2**40}, "auction": "no"}, format="json"
    )
    assert response.status_code == 400
    assert {"goodsNo", "gmarket.amount", "auction"} <= set(response.json()["fields"])


def test_push_pull_release_answer_202_with_the_job(
    api, sandbox, django_capture_on_commit_callbacks
):
    assert api.post(BASE, body(), format="json").status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}{GOODS}/push/")
    assert response.status_code == 202
    job = response.json()
    assert (job["targetType"], job["targetId"], job["operation"]) == (
        "esm.sponsorship",
        GOODS,
        "push",
    )
    assert Job.objects.get(pk=job["id"]).status == "SUCCEEDED"
    data = api.get(f"{BASE}{GOODS}/").json()
    assert (data["localState"], data["remoteState"]) == ("SYNCED", "REGISTERED")

    remote = sandbox_esm.stored(sandbox.state, GOODS)
    remote["auction"]["isUse"] = False
    sandbox_esm.store(sandbox.state, GOODS, remote)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}{GOODS}/pull/").status_code == 202
    data = api.get(f"{BASE}{GOODS}/").json()
    assert data["remote"]["differences"] == [
        {"field": "auction.isUse", "label": "옥션 나눔쇼핑 사용", "local": True, "remote": False}
    ]
    assert data["localState"] == "DRAFT"

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}{GOODS}/release/")
    assert response.status_code == 202
    assert api.get(f"{BASE}{GOODS}/").json()["remoteState"] == "NOT_REGISTERED"
    assert sandbox_esm.stored(sandbox.state, GOODS) is None

    # nothing registered any more: a release is refused with the one error shape
    refused = api.post(f"{BASE}{GOODS}/release/")
    assert refused.status_code == 409 and refused.json()["code"] == "NOT_REGISTERED"


def test_bulk_push_endpoint(api, sandbox, django_capture_on_commit_callbacks):
    for n in range(3):
        payload = body()
        payload["goodsNo"] = str(4_000_000_000 + n)
        assert api.post(BASE, payload, format="json").status_code == 201
    goods = [str(4_000_000_000 + n) for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}bulk-push/", {"goodsNoList": goods}, format="json")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "SUCCEEDED" and job.result["succeeded"] == 3

    missing = api.post(f"{BASE}bulk-push/", {"goodsNoList": ["999"]}, format="json")
    assert missing.status_code == 400 and "goodsNoList" in missing.json()["fields"]


def test_permissions(django_user_model, sandbox):
    nobody = django_user_model.objects.create_user("nobody", password="pw-n-12345")
    client = APIClient()
    assert client.get(BASE).status_code == 401
    client.force_authenticate(nobody)
    assert client.get(BASE).status_code == 403
    assert client.post(BASE, body(), format="json").status_code == 403
    assert HttpExchange.objects.count() == 0
