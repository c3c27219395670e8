"""The instant-coupon admin through the Django test client: rules on save as field errors, the
paste-many box, each action and button, the findings page, the link to the mall promotion."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from backoffice.jobs.models import Job
from marketplaces.coupang import sandbox_instant
from marketplaces.coupang.models import CoupangInstantCoupon, CoupangInstantFinding
from marketplaces.models import HttpExchange
from tests.marketplaces.coupang import test_instant_push as push

pytestmark = pytest.mark.django_db
make_instant = push.make_instant
ADD = "admin:marketplaces_coupanginstantcoupon_add"
CHANGE = "admin:marketplaces_coupanginstantcoupon_change"
CHANGELIST = "admin:marketplaces_coupanginstantcoupon_changelist"
FINDINGS = "admin:marketplaces_coupanginstantfinding_changelist"


@pytest.fixture
def md_client(client, merchandiser):
    client.force_login(merchandiser)
    return client


def form_data(**overrides):
    start = timezone.localtime() + timedelta(hours=2)
    end = start + timedelta(days=7)
    data = {
        "name": "관리자 즉시할인",
        "contract_id": "",
        "type": "RATE",
        "discount": "10",
        "max_discount_price": "3000",
        "start_at_0": start.strftime("%Y-%m-%d"),
        "start_at_1": start.strftime("%H:%M:%S"),
        "end_at_0": end.strftime("%Y-%m-%d"),
        "end_at_1": end.strftime("%H:%M:%S"),
        "promotion": "",
        "vendor_item_ids_pasted": "7200000001\r\n7200000002\t7200000003\r\n",
    }
    data.update(overrides)
    return data


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def action(client, name, coupons, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": name, "_selected_action": [c.pk for c in coupons], **extra},
        follow=True,
    )


def test_the_add_page_saves_the_coupon_with_the_pasted_options(md_client, sandbox):
    response = md_client.post(reverse(ADD), form_data())
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    coupon = CoupangInstantCoupon.objects.get()
    assert list(coupon.items.order_by("id").values_list("vendor_item_id", flat=True)) == [
        7200000001,
        7200000002,
        7200000003,
    ]
    assert (coupon.local_status, coupon.created_by.username) == ("DRAFT", "md")
    assert HttpExchange.objects.count() == 0


def test_a_garbage_token_in_the_paste_box_is_named_and_nothing_is_saved(md_client, sandbox):
    response = md_client.post(
        reverse(ADD), form_data(vendor_item_ids_pasted="7200000001\n72OO000002\n7200000003")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["vendor_item_ids_pasted"] == [
        "숫자가 아닌 값이 1개 있습니다: 72OO000002"
    ]
    assert CoupangInstantCoupon.objects.count() == 0


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"name": "가" * 46}, "name", "쿠폰명은 45자 이내로 입력하세요 (현재 46자)."),
        ({"name": ""}, "name", "쿠폰명을 입력하세요."),
        ({"discount": "100"}, "discount", "정률 할인은 1~99% 사이의 정수로 입력하세요."),
        (
            {"type": "PRICE", "discount": "1005"},
            "discount",
            "정액 할인은 10원 이상, 10원 단위로 입력하세요.",
        ),
        (
            {"max_discount_price": "5"},
            "max_discount_price",
            "최대 할인 금액은 10원 이상이어야 합니다.",
        ),
    ],
)
def test_each_rule_is_a_field_error_on_save_and_nothing_is_saved(
    md_client, sandbox, change, field, message
):
    response = md_client.post(reverse(ADD), form_data(**change))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert CoupangInstantCoupon.objects.count() == 0
    assert HttpExchange.objects.count() == 0


def test_register_add_options_poll_and_expire_actions(
    md_client, sandbox, make_instant, django_capture_on_commit_callbacks
):
    coupon = make_instant()
    with django_capture_on_commit_callbacks(execute=True):
        response = action(md_client, "create_on_coupang", [coupon])
    job = Job.objects.get()
    assert messages_of(response)[0][1].startswith(f"쿠팡에 등록 — {coupon.name}: ")
    coupon.refresh_from_db()
    assert (job.status, coupon.local_status) == ("SUCCEEDED", "PUSHED")

    # Add options: a paste box first; a garbage token is named on it and nothing is saved.
    form = action(md_client, "add_options", [coupon])
    assert "추가할 옵션 ID" in form.content.decode()
    refused = action(
        md_client, "add_options", [coupon], apply="1", vendor_item_ids="7000000010\nabc"
    )
    assert refused.context["form"].errors["vendor_item_ids"] == [
        "숫자가 아닌 값이 1개 있습니다: abc"
    ]
    already = action(md_client, "add_options", [coupon], apply="1", vendor_item_ids="7000000001")
    assert already.context["form"].errors["vendor_item_ids"] == [
        "이미 이 쿠폰에 있는 옵션입니다: 7000000001"
    ]
    assert coupon.items.count() == 3 and Job.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        added = action(
            md_client, "add_options", [coupon], apply="1", vendor_item_ids="7000000010\n7000000011"
        )
    assert messages_of(added)[0][1].startswith(f"옵션 추가 — {coupon}: ")
    stored = push.remote(sandbox)[coupon.coupon_id]
    assert stored["items"][-2:] == [7000000010, 7000000011]

    with django_capture_on_commit_callbacks(execute=True):
        action(md_client, "poll_coupang", [coupon])
    assert Job.objects.filter(operation="poll", status="SUCCEEDED").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        action(md_client, "expire_on_coupang", [coupon])
    coupon.refresh_from_db()
    assert coupon.local_status == "EXPIRED"

    # An action that does not apply says why, at error level, and sends nothing.
    sent = HttpExchange.objects.count()
    response = action(md_client, "expire_on_coupang", [coupon])
    assert messages_of(response) == [
        ("error", f"{coupon}: 쿠팡에 살아 있는 쿠폰만 만료할 수 있습니다.")
    ]
    assert HttpExchange.objects.count() == sent


def test_the_change_page_shows_status_options_promotion_and_buttons_in_words(
    md_client, sandbox, make_instant, merchandiser, django_capture_on_commit_callbacks
):
    from coupons.services import promotion_create
    from tests.factories import promotion_data

    promotion = promotion_create(user=merchandiser, data=promotion_data())
    coupon = make_instant(promotion=promotion)
    page = md_client.get(reverse(CHANGE, args=[coupon.pk])).content.decode()
    assert "쿠팡에 등록" in page and "옵션 여러 개 붙여 넣기" in page
    with django_capture_on_commit_callbacks(execute=True):
        pushed = md_client.post(
            reverse("admin:marketplaces_coupanginstantcoupon_operation", args=[coupon.pk, "push"]),
            follow=True,
        )
    assert pushed.status_code == 200
    coupon.refresh_from_db()
    response = md_client.get(reverse(CHANGE, args=[coupon.pk]))
    page = response.content.decode()
    assert [op["label"] for op in response.context["sync_operations"]] == [
        "요청 결과 확인 및 새로 읽기",
        "쿠팡에서 만료",
    ]  # labels in words, not HTTP verbs
    assert str(coupon.coupon_id) in page and "쿠팡 반영됨" in page
    assert "등록됨: 3" in page  # the options by state
    assert reverse("admin:coupons_promotion_change", args=[promotion.pk]) in page
    assert "쿠팡에서 만료" in page and "요청 결과 확인 및 새로 읽기" in page
    # The terms can no longer change once on Coupang.
    assert 'name="name"' not in page and 'name="vendor_item_ids_pasted"' not in page


def test_reconcile_action_and_the_findings_page(
    md_client, sandbox, make_instant, merchandiser, django_capture_on_commit_callbacks
):
    coupon = make_instant()
    with django_capture_on_commit_callbacks(execute=True):
        action(md_client, "create_on_coupang", [coupon])
    coupon.refresh_from_db()
    behind = sandbox_instant.put_coupon(sandbox.state, name="관리자에서 찾은 쿠폰")
    sandbox_instant.update_coupon(sandbox.state, coupon.coupon_id, discount=20)

    with django_capture_on_commit_callbacks(execute=True):
        response = action(md_client, "reconcile_with_coupang", [coupon])
    assert messages_of(response)[0][1].startswith("쿠팡 목록과 대조: ")
    assert set(CoupangInstantFinding.objects.values_list("kind", "remote_coupon_id")) == {
        ("REMOTE_ONLY", behind),
        ("DIFFERS", coupon.coupon_id),
    }
    page = md_client.get(reverse(FINDINGS)).content.decode()
    assert "관리자에서 찾은 쿠폰" in page and "쿠팡에만 있음" in page and "내용이 다름" in page
    assert "discount: 10 → 20" in page
    only = md_client.get(reverse(FINDINGS), {"kind__exact": "REMOTE_ONLY"}).content.decode()
    assert "관리자에서 찾은 쿠폰" in only and "discount: 10 → 20" not in only
    # The coupons' list filter shows the ones that differ.
    differing = md_client.get(reverse(CHANGELIST), {"finding": "differs"})
    assert [c.pk for c in differing.context["cl"].result_list] == [coupon.pk]
    assert "discount: 10 → 20" in md_client.get(reverse(CHANGE, args=[coupon.pk])).content.decode()

    # The findings page's own view runs it again (GET explains, POST queues).
    view = reverse("admin:marketplaces_coupanginstantfinding_reconcile")
    assert "쿠팡에만 있는 쿠폰과 내용이 다른 쿠폰" in md_client.get(view).content.decode()
    sandbox_instant.update_coupon(sandbox.state, coupon.coupon_id, discount=10)
    with django_capture_on_commit_callbacks(execute=True):
        again = md_client.post(view, {"apply": "1"}, follow=True)
    assert again.status_code == 200
    assert list(CoupangInstantFinding.objects.values_list("kind", flat=True)) == ["REMOTE_ONLY"]
