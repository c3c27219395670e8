"""The ESM seller discount admin through the Django test client: rules on save as field errors
(nothing sent), the prices used and when, actions and buttons in words (register / modify,
release, read, compare), the paste-many bulk page naming every unknown goods, the bulk job page
with its per-goods outcomes, and the link with the mall promotion both ways."""

from datetime import date

import pytest
from django.urls import reverse

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import seller_discounts as sd
from marketplaces.esm.models import EsmSellerDiscount
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

GOODS = "2258387297"
ADD_URL = reverse("admin:marketplaces_esmsellerdiscount_add")
CHANGELIST_URL = reverse("admin:marketplaces_esmsellerdiscount_changelist")
PASTE_URL = reverse("admin:marketplaces_esmsellerdiscount_bulk_paste")


def form_data(**overrides) -> dict:
    data = {
        "goods_no": GOODS,
        "is_use": "on",
        "gmkt_type": "1",
        "gmkt_price_or_rate1": "1000",
        "gmkt_price_or_rate2": "",
        "gmkt_start_date": "2026-12-01",
        "gmkt_end_date": "2026-12-31",
        "iac_type": "2",
        "iac_price_or_rate1": "15",
        "iac_price_or_rate2": "",
        "iac_start_date": "2026-12-01",
        "iac_end_date": "2026-12-31",
        "promotion": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture
def md_client(client, merchandiser):
    client.force_login(merchandiser)
    return client


@pytest.fixture
def saved(sandbox, merchandiser):
    sandbox_esm.set_price(sandbox.state, GOODS, 12_000, 15_000)

    def saved(goods_no=GOODS, **overrides):
        fields = dict(
            is_use=True,
            gmkt_type=1,
            gmkt_price_or_rate1=1_000,
            gmkt_start_date=date(2026, 12, 1),
            gmkt_end_date=date(2026, 12, 31),
            iac_type=2,
            iac_price_or_rate1=15,
            iac_start_date=date(2026, 12, 1),
            iac_end_date=date(2026, 12, 31),
        )
        fields.update(overrides)
        return sd.esm_seller_discount_create(user=merchandiser, goods_no=goods_no, **fields)

    return saved


def action(md_client, capture, name, *objs):
    with capture(execute=True):
        response = md_client.post(
            CHANGELIST_URL, {"action": name, "_selected_action": [o.pk for o in objs]}, follow=True
        )
    assert response.status_code == 200
    return response


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def change_page(md_client, discount) -> str:
    url = reverse("admin:marketplaces_esmsellerdiscount_change", args=[discount.pk])
    return md_client.get(url).content.decode()


def test_add_saves_with_the_prices_read_and_shows_them(md_client, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 12_000, 15_000)
    response = md_client.post(ADD_URL, form_data(), follow=True)
    assert response.status_code == 200
    discount = EsmSellerDiscount.objects.get(goods_no=GOODS)
    assert (discount.price_gmkt, discount.price_iac, discount.local_state) == (
        12_000,
        15_000,
        "DRAFT",
    )
    page = change_page(md_client, discount)
    assert "12,000원" in page and "8,400원" in page  # Gmarket price and its 70 % ceiling
    assert "15,000원" in page and "10,500원" in page
    assert "ESM에 등록" in page and "ESM과 차이 확인" in page and "ESM에서 읽어 오기" in page
    assert "ESM에서 해제" not in page  # nothing on ESM yet


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"gmkt_price_or_rate1": "95"},
            "gmkt_price_or_rate1",
            "G마켓 할인금액은 100원 이상이어야 합니다.",
        ),
        (
            {"gmkt_price_or_rate1": "1005"},
            "gmkt_price_or_rate1",
            "G마켓 할인금액은 10원 단위여야 합니다.",
        ),
        ({"iac_price_or_rate1": "80"}, "iac_price_or_rate1", "옥션 할인율은 1~70% 여야 합니다."),
        (
            {"iac_price_or_rate2": "60"},
            "iac_price_or_rate2",
            "옥션 할인율 1과 2의 합 75%가 70%를 넘습니다.",
        ),
        (
            {"gmkt_end_date": "2026-11-30"},
            "gmkt_end_date",
            "G마켓 할인 종료일은 시작일과 같거나 이후여야 합니다.",
        ),
        ({"iac_start_date": ""}, "iac_start_date", "옥션 할인 시작일을 입력하세요."),
        ({"gmkt_type": "7"}, "gmkt_type", None),
        (
            {
                "gmkt_type": "0",
                "gmkt_price_or_rate1": "",
                "gmkt_start_date": "",
                "gmkt_end_date": "",
                "iac_type": "0",
                "iac_price_or_rate1": "",
                "iac_start_date": "",
                "iac_end_date": "",
            },
            "__all__",
            "판매자할인을 사용하면 G마켓과 옥션 중 하나 이상에 할인 방식을 고르세요.",
        ),
    ],
)
def test_each_rule_is_a_field_error_on_save_with_nothing_sent(
    md_client, sandbox, overrides, field, message
):
    response = md_client.post(ADD_URL, form_data(**overrides))
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert not EsmSellerDiscount.objects.exists()
    assert HttpExchange.objects.count() == 0
    assert sandbox.requests("esm") == []


def test_amount_above_70_percent_shows_the_site_price_used_and_when(md_client, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 12_000, 15_000)
    response = md_client.post(ADD_URL, form_data(gmkt_price_or_rate1="8410"))
    (error,) = response.context["adminform"].form.errors["gmkt_price_or_rate1"]
    assert error.startswith("G마켓 할인금액 8,410원이 G마켓 판매가 12,000원(")
    assert error.endswith("조회)의 70%인 8,400원을 넘습니다.")
    assert not EsmSellerDiscount.objects.exists()
    assert [(e.method, e.path) for e in HttpExchange.objects.all()] == [
        ("GET", f"/item/v1/goods/{GOODS}/price")
    ]


def test_actions_register_compare_read_and_release(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    discount = saved()
    capture = django_capture_on_commit_callbacks

    response = action(md_client, capture, "push_to_esm", discount)
    assert messages_of(response) == [
        f"ESM에 등록/수정 — {GOODS}: 작업 #{Job.objects.get().pk}을(를) 등록했습니다. "
        "결과는 이 화면의 상태에 표시됩니다."
    ]
    assert sandbox_esm.stored_discount(sandbox.state, GOODS)["gmkt"]["priceOrRate1"] == 1_000
    page = change_page(md_client, discount)
    assert "ESM에 수정 전송" in page and "ESM에서 해제" in page

    remote = sandbox_esm.stored_discount(sandbox.state, GOODS)
    remote["gmkt"]["priceOrRate1"] = 2_500
    sandbox_esm.store_discount(sandbox.state, GOODS, remote)
    action(md_client, capture, "compare", discount)
    assert Job.objects.get(operation="pull").result["differences"] == [
        {"field": "gmkt.priceOrRate1", "label": "G마켓 할인값 1", "local": 1_000, "remote": 2_500}
    ]
    page = change_page(md_client, discount)
    assert 'class="esm-differences"' in page and "2,500" in page
    discount.refresh_from_db()
    assert discount.gmkt_price_or_rate1 == 1_000  # comparing changes nothing of ours

    action(md_client, capture, "read_from_esm", discount)
    discount.refresh_from_db()
    assert (discount.gmkt_price_or_rate1, discount.local_state) == (2_500, "SYNCED")
    assert "차이 없음" in change_page(md_client, discount)

    action(md_client, capture, "release_on_esm", discount)
    assert sandbox_esm.stored_discount(sandbox.state, GOODS) is None
    # nothing registered any more: a second release is refused on the page, nothing queued
    response = action(md_client, capture, "release_on_esm", discount)
    assert any("ESM에 등록되지 않은 판매자할인입니다" in m for m in messages_of(response))
    assert Job.objects.filter(operation="release").count() == 1


def test_change_page_button_and_esm_refusal_in_its_words(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    discount = saved(gmkt_type=2, gmkt_price_or_rate1=10)  # rates only: the POST is refused
    sandbox.configure("esm", error_casing="pascal", foreign_goods=[GOODS])
    url = reverse("admin:marketplaces_esmsellerdiscount_operation", args=[discount.pk, "push"])
    assert md_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = md_client.post(url)
    assert response.status_code == 302
    assert Job.objects.get().last_error == "[1000] 해당 판매자의 상품이 아닙니다"
    page = change_page(md_client, discount)
    assert "해당 판매자의 상품이 아닙니다" in page and "FinalError" not in page
    assert "해당 판매자의 상품이 아닙니다" in md_client.get(CHANGELIST_URL).content.decode()


def test_paste_page_names_every_unknown_goods_and_queues_nothing(md_client, saved, sandbox):
    saved()
    page = md_client.get(PASTE_URL)
    assert page.status_code == 200
    response = md_client.post(PASTE_URL, {"goods_nos": f"{GOODS}\n777\r\n888\tabc"})
    errors = response.context["form"].errors["goods_nos"]
    assert errors == ["숫자가 아닌 값이 1개 있습니다: abc"]
    response = md_client.post(PASTE_URL, {"goods_nos": f"{GOODS}\n777\r\n888"})
    assert response.context["form"].errors["goods_nos"] == ["없는 상품번호 2개: 777, 888"]
    assert not Job.objects.exists()
    assert [r for r in sandbox.requests("esm") if "seller-discounts" in r["path"]] == []


def test_paste_page_sends_one_job_and_its_page_lists_outcomes(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    goods = [str(2_300_000_000 + i) for i in range(4)]
    for goods_no in goods:
        saved(goods_no=goods_no, gmkt_type=2, gmkt_price_or_rate1=10)
    sandbox.configure("esm", foreign_goods=[goods[2]])
    pasted = "\r\n".join(goods)  # a column pasted from Excel
    with django_capture_on_commit_callbacks(execute=True):
        response = md_client.post(PASTE_URL, {"goods_nos": pasted})
    job = Job.objects.get()
    assert (job.target_type, job.status) == ("esm.seller_discount_bulk", "SUCCEEDED")
    job_url = reverse("admin:marketplaces_esmsellerdiscount_bulk_job", args=[job.pk])
    assert response.status_code == 302 and response.url == job_url
    page = md_client.get(job_url).content.decode()
    assert "4 / 4" in page
    assert page.count('class="outcome-ok"') == 3 and page.count('class="outcome-failed"') == 1
    assert "해당 판매자의 상품이 아닙니다" in page
    failed_only = md_client.get(
        reverse("admin:marketplaces_esmsellerdiscount_bulk_job", args=[job.pk]),
        {"status": "FAILED"},
    ).content.decode()
    assert failed_only.count('<tr class="outcome-') == 1 and goods[2] in failed_only


def test_bulk_action_redirects_to_the_one_job(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    rows = [saved(goods_no=str(2_400_000_000 + i)) for i in range(3)]
    response = action(md_client, django_capture_on_commit_callbacks, "bulk_push_to_esm", *rows)
    job = Job.objects.get()
    assert job.result["succeeded"] == 3
    assert response.redirect_chain[-1][0].endswith(f"/bulk-jobs/{job.pk}/")


def test_the_mall_promotion_lists_its_discounts_and_the_discount_links_back(
    md_client, saved, sandbox, merchandiser
):
    from backoffice.mirrors import mirrors_of
    from coupons.services import promotion_create
    from tests.factories import promotion_data

    promotion = promotion_create(user=merchandiser, data=promotion_data())
    other = promotion_create(user=merchandiser, data=promotion_data())
    mirrored = saved(promotion=promotion)
    saved(goods_no="2258387298", promotion=other)
    mirrors = [m for m in mirrors_of(promotion) if m.kind == "ESM 판매자할인"]
    assert [(m.label, m.url, m.status) for m in mirrors] == [
        (
            f"상품 {GOODS}",
            f"/admin/marketplaces/esmsellerdiscount/{mirrored.pk}/change/",
            "전송 전 · 미등록",
        )
    ]
    page = change_page(md_client, mirrored)
    assert reverse("admin:coupons_promotion_change", args=[promotion.pk]) in page


def test_a_viewer_cannot_push_and_a_row_esm_holds_cannot_be_deleted(
    md_client, django_user_model, saved, sandbox, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission
    from django.test import Client

    client = Client()

    discount = saved()
    viewer = django_user_model.objects.create_user("viewer", password="pw-v-12345", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_esmsellerdiscount"))
    client.force_login(viewer)
    url = reverse("admin:marketplaces_esmsellerdiscount_operation", args=[discount.pk, "push"])
    assert client.post(url).status_code == 403
    assert client.get(PASTE_URL).status_code == 403
    assert not Job.objects.exists()

    delete_url = reverse("admin:marketplaces_esmsellerdiscount_delete", args=[discount.pk])
    assert md_client.get(delete_url).status_code == 200  # nothing on ESM yet
    action(md_client, django_capture_on_commit_callbacks, "push_to_esm", discount)
    assert md_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert EsmSellerDiscount.objects.filter(pk=discount.pk).exists()


def test_the_mall_promotion_is_one_row_on_the_add_page_and_linked_on_the_change_page(
    md_client, saved
):
    page = md_client.get(ADD_URL).content.decode()
    assert page.count("같은 혜택의 몰 프로모션") == 1  # the picker, not also an empty link
    assert 'name="promotion"' in page
    assert "같은 혜택의 몰 프로모션" in change_page(md_client, saved())
