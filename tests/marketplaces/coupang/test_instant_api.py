"""Admin REST API: coupang/instant-coupons/ (list, create, actions, options, reconcile, findings)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.jobs.models import Job
from marketplaces.coupang import sandbox_instant
from marketplaces.coupang.models import CoupangInstantCoupon
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin/coupang/instant-coupons"


@pytest.fixture
def api(merchandiser):
    client = APIClient()
    client.force_authenticate(merchandiser)
    return client


def body(**overrides):
    start = timezone.now() + timedelta(hours=2)
    data = {
        "name": "API 즉시할인",
        "type": "PRICE",
        "discount": 1000,
        "maxDiscountPrice": 1000,
        "startAt": start.isoformat(),
        "endAt": (start + timedelta(days=3)).isoformat(),
        "wowExclusive": True,
        "vendorItemIds": [41, 42, 43],
    }
    data.update(overrides)
    return data


def test_create_list_push_add_options_poll_and_expire(
    api, sandbox, django_capture_on_commit_callbacks
):
    created = api.post(f"{BASE}/", body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["localStatus"], data["couponId"], data["wowExclusive"]) == ("DRAFT", None, True)
    assert data["itemCounts"] == {"PENDING": 3, "REQUESTED": 0, "DONE": 0, "FAILED": 0}
    assert HttpExchange.objects.count() == 0
    listed = api.get(f"{BASE}/").json()
    assert [c["id"] for c in listed["results"]] == [data["id"]]
    assert api.get(f"{BASE}/", {"localStatus": "PUSHED"}).json()["results"] == []

    # A draft's options are saved and go with its push (200, no job).
    drafted = api.post(f"{BASE}/{data['id']}/add-items/", {"vendorItemIds": [44]}, format="json")
    assert drafted.status_code == 200 and drafted.json()["itemCounts"]["PENDING"] == 4
    assert Job.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        pushed = api.post(f"{BASE}/{data['id']}/push/")
    assert pushed.status_code == 202
    assert (pushed.json()["targetType"], pushed.json()["operation"]) == (
        "coupang.instant_coupon",
        "push",
    )
    job = api.get(f"/api/v1/admin/sync-jobs/{pushed.json()['id']}/").json()
    assert (job["status"], job["lastError"]) == ("SUCCEEDED", "")
    coupon = api.get(f"{BASE}/{data['id']}/").json()
    assert (coupon["localStatus"], coupon["status"]) == ("PUSHED", "STANDBY")
    assert coupon["itemCounts"]["DONE"] == 4
    assert coupon["couponId"] == CoupangInstantCoupon.objects.get().coupon_id
    items = api.get(f"{BASE}/{data['id']}/items/").json()["results"]
    assert [(i["vendorItemId"], i["status"]) for i in items] == [
        (41, "DONE"),
        (42, "DONE"),
        (43, "DONE"),
        (44, "DONE"),
    ]

    # A live coupon's options go in their own job (202).
    with django_capture_on_commit_callbacks(execute=True):
        added = api.post(f"{BASE}/{data['id']}/add-items/", {"vendorItemIds": [45]}, format="json")
    assert added.status_code == 202 and added.json()["operation"] == "add_items"
    stored = sandbox.snapshot("coupang")["instant"]["coupons"][coupon["couponId"]]
    assert stored["items"] == [41, 42, 43, 44, 45]

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}/{data['id']}/poll/").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}/{data['id']}/expire/").status_code == 202
    assert api.get(f"{BASE}/{data['id']}/").json()["localStatus"] == "EXPIRED"


def test_each_bad_input_is_a_400_in_the_one_error_shape_and_nothing_is_saved_or_sent(api, sandbox):
    response = api.post(
        f"{BASE}/",
        body(name="가" * 46, type="PRICE", discount=1005, maxDiscountPrice=5, vendorItemIds=[7, 7]),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "VALIDATION_ERROR",
        "message": response.json()["message"],
        "fields": {
            "name": ["쿠폰명은 45자 이내로 입력하세요 (현재 46자)."],
            "discount": ["정액 할인은 10원 이상, 10원 단위로 입력하세요."],
            "maxDiscountPrice": ["최대 할인 금액은 10원 이상이어야 합니다."],
            "vendorItemIds": ["옵션 ID가 중복되었습니다: 7"],
        },
    }
    shape = api.post(f"{BASE}/", body(vendorItemIds=["abc"], discount="x"), format="json")
    assert shape.status_code == 400
    assert set(shape.json()["fields"]) == {"vendorItemIds[0]", "discount"}
    assert CoupangInstantCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0 and sandbox.requests("coupang") == []


def test_an_action_that_does_not_apply_uses_the_error_shape(api, sandbox):
    coupon = api.post(f"{BASE}/", body(), format="json").json()
    response = api.post(f"{BASE}/{coupon['id']}/expire/")
    assert response.status_code == 400
    assert response.json() == {
        "code": "NOT_LIVE",
        "message": "쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다.",
        "fields": {},
    }
    again = api.post(f"{BASE}/{coupon['id']}/add-items/", {"vendorItemIds": [41]}, format="json")
    assert again.status_code == 400
    assert again.json()["fields"] == {"vendorItemIds": ["이미 이 쿠폰에 있는 옵션입니다: 41"]}
    assert Job.objects.count() == 0


def test_reconcile_and_its_findings(api, sandbox, django_capture_on_commit_callbacks):
    behind = sandbox_instant.put_coupon(sandbox.state, name="API로 찾은 쿠폰")
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"{BASE}/reconcile/")
    assert queued.status_code == 202
    assert Job.objects.get(pk=queued.json()["id"]).status == "SUCCEEDED"
    findings = api.get(f"{BASE}/findings/").json()["results"]
    assert [(f["kind"], f["couponId"], f["name"], f["coupon"]) for f in findings] == [
        ("REMOTE_ONLY", behind, "API로 찾은 쿠폰", None)
    ]
    assert api.get(f"{BASE}/findings/", {"kind": "DIFFERS"}).json()["results"] == []
    # One at a time: a second while the first is open is a conflict.
    api.post(f"{BASE}/reconcile/")  # queued, not run (no on_commit here)
    conflict = api.post(f"{BASE}/reconcile/")
    assert conflict.status_code == 409 and conflict.json()["code"] == "SYNC_JOB_OPEN"


def test_without_permission_nothing_is_queued(sandbox, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.post(f"{BASE}/reconcile/").status_code == 403
    assert Job.objects.count() == 0


def test_schema_documents_the_instant_resources(api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/admin/coupang/instant-coupons/",
        "/api/v1/admin/coupang/instant-coupons/{id}/push/",
        "/api/v1/admin/coupang/instant-coupons/{id}/add-items/",
        "/api/v1/admin/coupang/instant-coupons/{id}/expire/",
        "/api/v1/admin/coupang/instant-coupons/{id}/poll/",
        "/api/v1/admin/coupang/instant-coupons/{id}/items/",
        "/api/v1/admin/coupang/instant-coupons/reconcile/",
        "/api/v1/admin/coupang/instant-coupons/findings/",
    ):
        assert path in paths, path
    assert "202" in paths["/api/v1/admin/coupang/instant-coupons/{id}/push/"]["post"]["responses"]
    reconcile = paths["/api/v1/admin/coupang/instant-coupons/reconcile/"]["post"]
    assert "REMOTE_ONLY" in reconcile["description"]
    assert set(
        paths["/api/v1/admin/coupang/instant-coupons/{id}/add-items/"]["post"]["responses"]
    ) >= {
        "200",
        "202",
    }
