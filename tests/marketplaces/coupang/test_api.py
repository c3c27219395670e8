"""Admin REST API: coupang/coupons/ and sync-jobs/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.jobs.models import Job
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


@pytest.fixture
def api(merchandiser):
    client = APIClient()
    client.force_authenticate(merchandiser)
    return client


def body(**overrides):
    start = timezone.now() + timedelta(hours=2)
    data = {
        "title": "API 쿠폰",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=3)).isoformat(),
        "policies": [
            {
                "title": f"정책 {n}",
                "typeOfDiscount": "RATE",
                "description": "",
                "minimumPrice": n * 10000,
                "discount": n * 5,
                "maximumDiscountPrice": 5000,
                "maximumPerDaily": 2,
            }
            for n in (1, 2, 3)
        ],
        "vendorItemIds": [41, 42, 43, 44, 45],
    }
    data.update(overrides)
    return data


def test_create_read_push_and_follow_the_job(api, sandbox, django_capture_on_commit_callbacks):
    created = api.post(f"{BASE}/coupang/coupons/", body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["localStatus"], data["couponId"], data["vendorItemIds"]) == (
        "DRAFT",
        None,
        [41, 42, 43, 44, 45],
    )
    assert [p["discount"] for p in data["policies"]] == [5, 10, 15]
    assert HttpExchange.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        pushed = api.post(f"{BASE}/coupang/coupons/{data['id']}/push/")
    assert pushed.status_code == 202
    job_id = pushed.json()["id"]
    assert pushed.json()["targetType"] == "coupang.coupon"
    assert pushed.json()["targetId"] == str(data["id"])
    assert pushed.json()["operation"] == "push"

    job = api.get(f"{BASE}/sync-jobs/{job_id}/").json()
    assert (job["status"], job["attempts"], job["createdBy"], job["lastError"]) == (
        "SUCCEEDED",
        1,
        "md",
        "",
    )
    assert [e["method"] for e in job["exchanges"]][:3] == ["GET", "POST", "PUT"]
    assert all(e["requestHeaders"].get("Authorization") == "***" for e in job["exchanges"])

    coupon = api.get(f"{BASE}/coupang/coupons/{data['id']}/").json()
    assert coupon["localStatus"] == "PUSHED" and coupon["couponStatus"] == "STANDBY"
    assert coupon["couponId"] == CoupangCoupon.objects.get().coupon_id
    assert {i["status"] for i in coupon["items"]} == {"DONE"}

    listing = api.get(f"{BASE}/sync-jobs/", {"targetId": str(data["id"])}).json()
    assert [j["id"] for j in listing["results"]] == [job_id]


def test_rules_are_field_errors_with_api_names_and_nothing_is_sent(api, sandbox):
    response = api.post(
        f"{BASE}/coupang/coupons/",
        body(
            startDate=(timezone.now() + timedelta(minutes=10)).isoformat(),
            policies=[
                {
                    "title": "x",
                    "typeOfDiscount": "PRICE",
                    "minimumPrice": 10000,
                    "discount": 1005,
                    "maximumPerDaily": 1,
                },
                {
                    "title": "y",
                    "typeOfDiscount": "RATE",
                    "minimumPrice": 10000,
                    "discount": 10,
                    "maximumDiscountPrice": 5000,
                    "maximumPerDaily": 1,
                },
            ],
            vendorItemIds=[],
        ),
        format="json",
    )
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "VALIDATION_ERROR"
    assert set(error["fields"]) == {"startDate", "policies", "vendorItemIds"}
    assert error["fields"]["policies"] == [
        "한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다.",
        "정책 1: 정액 할인은 10원 이상, 10원 단위로 입력하세요.",
    ]
    assert error["fields"]["vendorItemIds"] == ["옵션 ID(vendorItemId)를 하나 이상 입력하세요."]
    assert CoupangCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0


def test_shape_errors_and_overflow_are_400_not_500(api, sandbox):
    response = api.post(
        f"{BASE}/coupang/coupons/", body(vendorItemIds=["abc", 2**70]), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"vendorItemIds[0]", "vendorItemIds[1]"}


def test_domain_refusal_of_an_action_uses_the_error_shape(api, sandbox):
    coupon = api.post(f"{BASE}/coupang/coupons/", body(), format="json").json()
    response = api.post(f"{BASE}/coupang/coupons/{coupon['id']}/expire/")
    assert response.status_code == 400
    assert response.json() == {
        "code": "NOT_LIVE",
        "message": "쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다.",
        "fields": {},
    }
    assert Job.objects.count() == 0


def test_second_push_while_one_is_open_is_a_conflict(api, sandbox):
    coupon = api.post(f"{BASE}/coupang/coupons/", body(), format="json").json()
    first = api.post(f"{BASE}/coupang/coupons/{coupon['id']}/refresh/")
    assert first.status_code == 400  # not created yet
    assert api.post(f"{BASE}/coupang/coupons/{coupon['id']}/push/").status_code == 202
    CoupangCoupon.objects.filter(pk=coupon["id"]).update(local_status="FAILED")
    second = api.post(f"{BASE}/coupang/coupons/{coupon['id']}/push/")
    assert second.status_code == 409
    assert second.json()["code"] == "SYNC_JOB_OPEN"
    assert Job.objects.count() == 1


def test_replace_items_and_expire_answer_202(api, sandbox, django_capture_on_commit_callbacks):
    coupon = api.post(f"{BASE}/coupang/coupons/", body(), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}/coupang/coupons/{coupon['id']}/push/")
    with django_capture_on_commit_callbacks(execute=True):
        replaced = api.post(
            f"{BASE}/coupang/coupons/{coupon['id']}/replace-items/",
            {"vendorItemIds": [41, 50]},
            format="json",
        )
    assert replaced.status_code == 202
    new_id = int(replaced.json()["targetId"])
    new = api.get(f"{BASE}/coupang/coupons/{new_id}/").json()
    assert (new["replaces"], new["vendorItemIds"], new["localStatus"]) == (
        coupon["id"],
        [41, 50],
        "PUSHED",
    )
    old = api.get(f"{BASE}/coupang/coupons/{coupon['id']}/").json()
    assert (old["localStatus"], old["replacedBy"]) == ("EXPIRED", new_id)
    with django_capture_on_commit_callbacks(execute=True):
        expired = api.post(f"{BASE}/coupang/coupons/{new_id}/expire/")
    assert expired.status_code == 202
    assert api.get(f"{BASE}/sync-jobs/{expired.json()['id']}/").json()["status"] == "SUCCEEDED"


def test_permissions(sandbox, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("cs")
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_coupangcoupon", "view_job"])
    )
    client = APIClient()
    assert client.get(f"{BASE}/coupang/coupons/").status_code in (401, 403)
    client.force_authenticate(viewer)
    assert client.get(f"{BASE}/coupang/coupons/").status_code == 200
    assert client.get(f"{BASE}/sync-jobs/").status_code == 200
    denied = client.post(f"{BASE}/coupang/coupons/", body(), format="json")
    assert denied.status_code == 403
    assert denied.json()["code"] == "PERMISSION_DENIED"
    assert CoupangCoupon.objects.count() == 0


def test_schema_documents_the_marketplace_resources(api):
    schema = api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/admin/coupang/coupons/{id}/push/" in paths
    assert "202" in paths["/api/v1/admin/coupang/coupons/{id}/push/"]["post"]["responses"]
    assert "/api/v1/admin/sync-jobs/{id}/" in paths


def _held_coupon(api, sandbox, django_capture_on_commit_callbacks):
    """A coupon whose create answered 504: held for confirmation (NEEDS_RECONCILE)."""
    sandbox.inject("coupang", "5xx", status=504, path_contains="/api/v1/coupons", method="POST")
    coupon = api.post(f"{BASE}/coupang/coupons/", body(), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{BASE}/coupang/coupons/{coupon['id']}/push/").status_code == 202
    assert CoupangCoupon.objects.get(pk=coupon["id"]).local_status == "NEEDS_RECONCILE"
    return coupon


@pytest.mark.parametrize(
    "payload, message",
    [
        (
            None,
            "재전송하면 쿠팡에 같은 쿠폰이 하나 더 만들어질 수 있습니다 (첫 생성 요청이 처리되었을 "
            "수 있음). WING에서 먼저 확인하고, 없을 때만 이 쿠폰의 쿠폰명 또는 ID를 입력해 "
            "확인하세요.",
        ),
        (
            {"confirm": ""},
            "재전송하면 쿠팡에 같은 쿠폰이 하나 더 만들어질 수 있습니다 (첫 생성 요청이 처리되었을 "
            "수 있음). WING에서 먼저 확인하고, 없을 때만 이 쿠폰의 쿠폰명 또는 ID를 입력해 "
            "확인하세요.",
        ),
        (
            {"confirm": "다른 쿠폰"},
            "입력한 값이 이 쿠폰의 쿠폰명 또는 ID({pk})와 다릅니다. 재전송하면 쿠팡에 쿠폰이 "
            "중복 생성될 수 있으니 WING에서 먼저 확인하세요.",
        ),
    ],
)
def test_resend_create_without_a_confirmation_naming_the_coupon_is_a_400_on_confirm(
    api, sandbox, django_capture_on_commit_callbacks, payload, message
):
    coupon = _held_coupon(api, sandbox, django_capture_on_commit_callbacks)
    sent, jobs = HttpExchange.objects.count(), Job.objects.count()

    response = api.post(
        f"{BASE}/coupang/coupons/{coupon['id']}/resend-create/", payload, format="json"
    )

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "VALIDATION_ERROR"
    assert error["fields"] == {"confirm": [message.format(pk=coupon["id"])]}
    assert (HttpExchange.objects.count(), Job.objects.count()) == (sent, jobs)
    assert CoupangCoupon.objects.get(pk=coupon["id"]).local_status == "NEEDS_RECONCILE"


def test_resend_create_naming_the_coupon_answers_202_and_creates_one(
    api, sandbox, django_capture_on_commit_callbacks
):
    coupon = _held_coupon(api, sandbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"{BASE}/coupang/coupons/{coupon['id']}/resend-create/",
            {"confirm": "API 쿠폰"},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert response.json()["operation"] == "push"
    stored = CoupangCoupon.objects.get(pk=coupon["id"])
    assert stored.local_status == "PUSHED", stored.last_error
    assert list(sandbox.snapshot("coupang")["coupons"]) == [stored.coupon_id]


def test_schema_documents_the_resend_confirmation(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/admin/coupang/coupons/{id}/resend-create/"]["post"]
    assert "check WING first" in operation["description"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component["required"] == ["confirm"]
    assert "may duplicate the coupon" in component["properties"]["confirm"]["description"]
