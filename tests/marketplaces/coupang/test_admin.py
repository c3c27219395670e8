"""The Coupang coupon admin: rules on save as field errors, actions, read-only terms, sync history."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from backoffice.jobs.models import Job
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.models import HttpExchange
from tests.marketplaces.conftest import join_job_runners

pytestmark = pytest.mark.django_db
ADD_URL = "admin:marketplaces_coupangcoupon_add"
CHANGELIST = "admin:marketplaces_coupangcoupon_changelist"


@pytest.fixture
def md_client(client, merchandiser):
    client.force_login(merchandiser)
    return client


def form_data(*, policies=None, items=None, start=None, **coupon):
    start = start or (timezone.localtime() + timedelta(hours=2))
    end = start + timedelta(days=7)
    policies = (
        policies
        if policies is not None
        else [
            {
                "title": f"정책 {n}",
                "type_of_discount": "PRICE",
                "minimum_price": n * 10000,
                "discount": n * 1000,
                "maximum_per_daily": 1,
            }
            for n in (1, 2, 3)
        ]
    )
    items = (
        items if items is not None else [3000000101, 3000000102, 3000000103, 3000000104, 3000000105]
    )
    data = {
        "title": "관리자 화면 쿠폰",
        "contract_id": "",
        "wing_user_id": "",
        "promotion": "",
        "start_at_0": start.strftime("%Y-%m-%d"),
        "start_at_1": start.strftime("%H:%M:%S"),
        "end_at_0": end.strftime("%Y-%m-%d"),
        "end_at_1": end.strftime("%H:%M:%S"),
        "policies-TOTAL_FORMS": str(len(policies)),
        "policies-INITIAL_FORMS": "0",
        "policies-MIN_NUM_FORMS": "1",
        "policies-MAX_NUM_FORMS": "3",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    data.update(coupon)
    for i, p in enumerate(policies):
        row = {"position": i + 1, "description": "", "maximum_discount_price": ""} | p
        data.update({f"policies-{i}-{k}": "" if v is None else str(v) for k, v in row.items()})
    for i, item in enumerate(items):
        data[f"items-{i}-vendor_item_id"] = str(item)
    return data


def test_admin_creates_a_coupon_with_3_policies_and_5_items(md_client, sandbox):
    response = md_client.post(reverse(ADD_URL), form_data())
    assert response.status_code == 302, response.context["errors"] if response.context else response
    coupon = CoupangCoupon.objects.get()
    assert coupon.policies.count() == 3
    assert sorted(coupon.items.values_list("vendor_item_id", flat=True)) == [
        3000000101,
        3000000102,
        3000000103,
        3000000104,
        3000000105,
    ]
    assert coupon.created_by.username == "md"
    assert coupon.local_status == "DRAFT"
    assert HttpExchange.objects.count() == 0


def _errors(response):
    errors = [str(e) for e in response.context["errors"]]
    for formset in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in formset.formset.non_form_errors()]
    return errors


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            {
                "policies": [
                    {
                        "title": "a",
                        "type_of_discount": "PRICE",
                        "minimum_price": 10000,
                        "discount": 1000,
                        "maximum_per_daily": 1,
                    },
                    {
                        "title": "b",
                        "type_of_discount": "RATE",
                        "minimum_price": 10000,
                        "discount": 10,
                        "maximum_discount_price": 5000,
                        "maximum_per_daily": 1,
                    },
                ]
            },
            "policies",
            "한 쿠폰의 정책은 모두 같은 할인 유형(PRICE 또는 RATE)이어야 합니다.",
        ),
        (
            {
                "policies": [
                    {
                        "title": "a",
                        "type_of_discount": "PRICE",
                        "minimum_price": 10000,
                        "discount": 1005,
                        "maximum_per_daily": 1,
                    }
                ]
            },
            "policies-0-discount",
            "정액 할인은 10원 이상, 10원 단위로 입력하세요.",
        ),
        (
            {
                "policies": [
                    {
                        "title": "a",
                        "type_of_discount": "RATE",
                        "minimum_price": 10000,
                        "discount": 10,
                        "maximum_per_daily": 1,
                    }
                ]
            },
            "policies-0-maximum_discount_price",
            "정률 할인은 최대 할인 금액이 필요합니다.",
        ),
        (
            {
                "policies": [
                    {
                        "title": "a",
                        "type_of_discount": "PRICE",
                        "minimum_price": 10000,
                        "discount": 1000,
                        "maximum_per_daily": 10000,
                    }
                ]
            },
            "policies-0-maximum_per_daily",
            "1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.",
        ),
        (
            {"start": timezone.localtime() + timedelta(minutes=30)},
            "start_at",
            "시작 일시는 지금부터 1시간 이후여야 합니다",
        ),
        ({"items": []}, "items", "옵션 ID(vendorItemId)를 하나 이상 입력하세요."),
    ],
)
def test_rules_are_field_errors_on_save_and_nothing_is_sent(
    md_client, sandbox, change, field, message
):
    response = md_client.post(reverse(ADD_URL), form_data(**change))
    assert response.status_code == 200
    errors = " ".join(_errors(response))
    assert message in errors
    if "-" in field:
        prefix, index, name = field.split("-")
        formset = next(
            f.formset
            for f in response.context["inline_admin_formsets"]
            if f.formset.prefix == prefix
        )
        assert message in " ".join(formset.forms[int(index)].errors[name])
    elif field == "start_at":
        assert message in " ".join(response.context["adminform"].form.errors["start_at"])
    assert CoupangCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0
    assert sandbox.snapshot("coupang") == {}


def _action(client, action, coupon, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [coupon.pk], **extra},
        follow=True,
    )


def test_create_action_pushes_and_the_page_shows_couponid_status_jobs_and_http_log(
    md_client, sandbox, make_coupon, django_capture_on_commit_callbacks
):
    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(md_client, "create_on_coupang", coupon)
    job = Job.objects.get()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"쿠팡에 등록 — {coupon}: 작업 #{job.pk}을(를) 등록했습니다. 진행 상황은 쿠폰 화면의 동기화 기록에서 볼 수 있습니다."
    ]
    coupon.refresh_from_db()
    assert (job.status, coupon.local_status) == ("SUCCEEDED", "PUSHED")

    page = md_client.get(reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk]))
    html = page.content.decode()
    assert str(coupon.coupon_id) in html
    assert "쿠팡 반영됨" in html and "STANDBY" in html
    assert f"/admin/jobs/job/{job.pk}/change/" in html
    assert "PUT /v2/providers/marketplace_openapi/apis/api/v1/coupon-items" in html
    found = (
        md_client.get(reverse(CHANGELIST), {"q": str(coupon.coupon_id)}).context["cl"].result_list
    )
    assert list(found) == [coupon]
    # Terms Coupang cannot change are read-only now: no inputs for them, no inline rows to edit.
    assert 'name="title"' not in html and 'name="start_at_0"' not in html
    assert 'name="policies-0-discount"' not in html and 'name="items-0-vendor_item_id"' not in html


def test_changed_terms_are_ignored_after_creation(
    md_client, sandbox, make_coupon, merchandiser, django_capture_on_commit_callbacks
):
    from marketplaces.coupang.services import coupang_coupon_push

    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    data = form_data(title="바뀐 이름")
    md_client.post(reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk]), data)
    coupon.refresh_from_db()
    assert coupon.title == "가을 맞이 다운로드 쿠폰"
    assert coupon.policies.count() == 3 and coupon.items.count() == 5


def test_coupang_refusal_and_dead_reason_are_shown_on_the_coupon_page(
    md_client, sandbox, make_coupon, django_capture_on_commit_callbacks
):
    refused = make_coupon(contract_id=99)
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "create_on_coupang", refused)
    page = md_client.get(
        reverse("admin:marketplaces_coupangcoupon_change", args=[refused.pk])
    ).content.decode()
    assert "contractId=99 (으)로 계약이 판매자=A00012345 에 속하지 않습니다." in page
    listing = md_client.get(reverse(CHANGELIST)).content.decode()
    assert "contractId=99 (으)로 계약이 판매자=A00012345" in listing

    sandbox.inject("coupang", "5xx", times=10, path_contains="/apis/api/v1/coupons", method="POST")
    dead = make_coupon(title="죽는 쿠폰", vendor_item_ids=[77])
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "create_on_coupang", dead)
    page = md_client.get(
        reverse("admin:marketplaces_coupangcoupon_change", args=[dead.pk])
    ).content.decode()
    assert "4회 시도 후 중단: Service Unavailable" in page
    assert "중단 (재시도 소진)" in page


@pytest.mark.django_db(transaction=True)
def test_sandbox_refusal_reaches_the_admin_message_in_coupangs_words(
    client, sandbox, django_user_model
):
    from django.contrib.auth.models import Permission

    from marketplaces.coupang.services import coupang_coupon_create
    from tests.marketplaces.conftest import coupon_kwargs

    user = django_user_model.objects.create_user("md2", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["marketplaces", "jobs"])
    )
    client.force_login(user)
    coupon = coupang_coupon_create(user=user, **coupon_kwargs(contract_id=99))

    response = _action(client, "create_on_coupang", coupon)  # autocommit: the job runs at commit

    job = Job.objects.get()
    assert [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] == [
        (
            "error",
            f"쿠팡에 등록 — {coupon}: 실패 (작업 #{job.pk}) — "
            "contractId=99 (으)로 계약이 판매자=A00012345 에 속하지 않습니다.",
        )
    ]


def test_expire_refresh_and_replace_actions(
    md_client, sandbox, make_coupon, merchandiser, django_capture_on_commit_callbacks
):
    from marketplaces.coupang.services import coupang_coupon_push

    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        coupang_coupon_push(coupon=coupon, user=merchandiser)
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "refresh_from_coupang", coupon)
    assert Job.objects.filter(operation="refresh", status="SUCCEEDED").count() == 1

    # Replace items: an intermediate form, then one job that expires and creates anew.
    form = _action(md_client, "replace_items", coupon)
    assert "새 옵션 ID 목록" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _action(
            md_client, "replace_items", coupon, apply="1", vendor_item_ids="3000000101, 3000000300"
        )
    coupon.refresh_from_db()
    new = CoupangCoupon.objects.get(replaces=coupon)
    assert (coupon.local_status, new.local_status) == ("EXPIRED", "PUSHED")
    assert sorted(new.items.values_list("vendor_item_id", flat=True)) == [3000000101, 3000000300]

    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "expire_on_coupang", new)
    new.refresh_from_db()
    assert new.local_status == "EXPIRED"

    # An action that does not apply says why, at error level, and sends nothing.
    sent = HttpExchange.objects.count()
    response = _action(md_client, "expire_on_coupang", new)
    assert [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] == [
        ("error", f"{new}: 쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다.")
    ]
    assert HttpExchange.objects.count() == sent


def test_adopt_action_reconciles_a_lost_create(
    md_client, sandbox, make_coupon, django_capture_on_commit_callbacks
):
    sandbox.inject(
        "coupang", "drop_after_apply", path_contains="/apis/api/v1/coupons", method="POST"
    )
    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "create_on_coupang", coupon)
    page = md_client.get(
        reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk])
    ).content.decode()
    assert "생성 여부 확인 필요" in page
    assert "쿠팡의 생성 응답을 받지 못해" in page
    [remote_id] = sandbox.snapshot("coupang")["coupons"]
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "adopt_coupon_id", coupon, apply="1", coupon_id=str(remote_id))
    coupon.refresh_from_db()
    assert (coupon.coupon_id, coupon.local_status) == (remote_id, "PUSHED")
    assert len(sandbox.snapshot("coupang")["coupons"]) == 1


def test_resend_action_asks_for_a_confirmation_naming_the_coupon_and_says_why(
    md_client, sandbox, make_coupon, django_capture_on_commit_callbacks
):
    sandbox.inject(
        "coupang", "5xx", status=504, path_contains="/apis/api/v1/coupons", method="POST"
    )
    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        _action(md_client, "create_on_coupang", coupon)
    coupon.refresh_from_db()
    assert coupon.local_status == "NEEDS_RECONCILE"
    sent = HttpExchange.objects.count()

    # The action leads to a confirmation page, which says why and sends nothing.
    page = _action(md_client, "resend_create", coupon)
    assert page.status_code == 200
    html = page.content.decode()
    assert "재전송하면 쿠팡에 쿠폰이 중복 생성될 수 있습니다" in html
    assert "첫 생성 요청은 쿠팡에 도착했지만 응답만 받지 못했을 수 있습니다" in html
    assert "먼저 WING(쿠팡 판매자센터)의 쿠폰 목록에서" in html
    assert 'name="confirm"' in html and coupon.title in html
    assert HttpExchange.objects.count() == sent

    # A confirmation that does not name the coupon is refused on the form; nothing is sent.
    for typed in ("", "다른 쿠폰"):
        refused = _action(md_client, "resend_create", coupon, apply="1", confirm=typed)
        assert refused.status_code == 200
        errors = refused.context["form"].errors["confirm"]
        assert len(errors) == 1 and "WING에서 먼저 확인" in errors[0]
    coupon.refresh_from_db()
    assert coupon.local_status == "NEEDS_RECONCILE"
    assert HttpExchange.objects.count() == sent
    assert Job.objects.filter(target_id=str(coupon.pk)).count() == 1

    # Typing the title sends the create again: one coupon on Coupang.
    with django_capture_on_commit_callbacks(execute=True):
        done = _action(md_client, "resend_create", coupon, apply="1", confirm=coupon.title)
    coupon.refresh_from_db()
    assert coupon.local_status == "PUSHED", coupon.last_error
    assert list(sandbox.snapshot("coupang")["coupons"]) == [coupon.coupon_id]
    job = Job.objects.filter(target_id=str(coupon.pk)).latest("id")
    assert job.status == "SUCCEEDED"
    assert [(m.level_tag, str(m)) for m in get_messages(done.wsgi_request)] == [
        (
            "info",
            f"재전송 — {coupon.title}: 작업 #{job.pk}을(를) 등록했습니다. "
            "진행 상황은 쿠폰 화면의 동기화 기록에서 볼 수 있습니다.",
        )
    ]


def test_sync_job_and_http_exchange_admin_pages(
    md_client, sandbox, make_coupon, merchandiser, django_capture_on_commit_callbacks
):
    from marketplaces.coupang.services import coupang_coupon_push

    coupon = make_coupon()
    with django_capture_on_commit_callbacks(execute=True):
        job = coupang_coupon_push(coupon=coupon, user=merchandiser)
    assert md_client.get(reverse("admin:jobs_job_changelist")).status_code == 200
    page = md_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "coupon-items" in page
    assert "sandbox-secret-key" not in page and "sandbox-access-key" not in page
    exchange = HttpExchange.objects.first()
    assert (
        md_client.get(
            reverse("admin:marketplaces_httpexchange_change", args=[exchange.pk])
        ).status_code
        == 200
    )


@pytest.mark.django_db(transaction=True)
def test_make_run_flow_in_process_jobs_create_push_and_see_couponid(
    client, sandbox, settings, django_user_model
):
    """As with `make run` (no broker): jobs run in a thread of the web process after commit."""
    from django.contrib.auth.models import Permission

    settings.JOBS_EAGER = False
    user = django_user_model.objects.create_user("md3", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["marketplaces", "jobs"])
    )
    client.force_login(user)
    assert client.post(reverse(ADD_URL), form_data()).status_code == 302
    coupon = CoupangCoupon.objects.get()

    response = _action(client, "create_on_coupang", coupon)
    assert response.status_code == 200

    join_job_runners()  # the job's thread, and any retry it scheduled
    coupon.refresh_from_db()
    assert coupon.local_status == "PUSHED", coupon.last_error
    page = client.get(
        reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk])
    ).content.decode()
    assert str(coupon.coupon_id) in page and "STANDBY" in page and "쿠팡 반영됨" in page
    assert sandbox.snapshot("coupang")["coupons"][coupon.coupon_id]["items"] == [
        3000000101,
        3000000102,
        3000000103,
        3000000104,
        3000000105,
    ]
