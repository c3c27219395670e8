"""The ESM sponsorship admin: rules on save as field errors (nothing sent), ESM's own words on the
page in both casings, pull differences, the retired message, and the bulk job page."""

from datetime import date

import pytest
from django.urls import reverse

from backoffice.jobs.models import Job
from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm import services as esm
from marketplaces.esm.models import EsmSponsorship
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

GOODS = "1158387297"
ADD_URL = reverse("admin:marketplaces_esmsponsorship_add")
CHANGELIST_URL = reverse("admin:marketplaces_esmsponsorship_changelist")


def form_data(**overrides) -> dict:
    data = {
        "goods_no": GOODS,
        "gmkt_is_use": "on",
        "gmkt_amount": "1000",
        "gmkt_max_amount": "100000",
        "gmkt_field": "1",
        "gmkt_start_date": "2026-12-01",
        "gmkt_end_date": "2026-12-31",
        "iac_is_use": "on",
        "iac_start_date": "2026-12-01",
        "iac_end_date": "2027-01-31",
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
    def saved(goods_no=GOODS, **overrides):
        fields = dict(
            gmkt_is_use=True,
            gmkt_amount=1_000,
            gmkt_max_amount=100_000,
            gmkt_field=1,
            gmkt_start_date=date(2026, 12, 1),
            gmkt_end_date=date(2026, 12, 31),
            iac_is_use=True,
            iac_start_date=date(2026, 12, 1),
            iac_end_date=date(2027, 1, 31),
        )
        fields.update(overrides)
        return esm.esm_sponsorship_create(user=merchandiser, goods_no=goods_no, **fields)

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


def test_add_saves_with_the_price_read_and_shows_it(md_client, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 12_000)
    response = md_client.post(ADD_URL, form_data(), follow=True)
    assert response.status_code == 200
    sponsorship = EsmSponsorship.objects.get(goods_no=GOODS)
    assert (sponsorship.price_gmkt, sponsorship.local_state) == (12_000, "DRAFT")
    page = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
    ).content.decode()
    assert "12,000원" in page and "9,600원" in page  # the price used and the 80 % ceiling


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"gmkt_amount": "99"}, "gmkt_amount", "후원금액은 100원 이상이어야 합니다."),
        (
            {"gmkt_max_amount": "9999"},
            "gmkt_max_amount",
            "누적적립한도액은 10,000원 이상이어야 합니다.",
        ),
        ({"gmkt_field": "7"}, "gmkt_field", None),
        ({"gmkt_field": None}, "gmkt_field", "후원분야를 선택하세요."),
        (
            {"gmkt_end_date": "2026-11-30"},
            "gmkt_end_date",
            "후원 종료일은 시작일과 같거나 이후여야 합니다.",
        ),
        (
            {"iac_end_date": "2026-11-01"},
            "iac_end_date",
            "나눔 종료일은 시작일과 같거나 이후여야 합니다.",
        ),
        (
            {"gmkt_is_use": None, "iac_is_use": None},
            "__all__",
            "G마켓 후원쇼핑과 옥션 나눔쇼핑 중 하나 이상을 사용하세요.",
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
    assert not EsmSponsorship.objects.exists()
    assert HttpExchange.objects.count() == 0
    assert sandbox.snapshot("esm") == {}


def test_amount_above_80_percent_shows_the_price_used_and_when(md_client, sandbox):
    sandbox_esm.set_price(sandbox.state, GOODS, 10_000)
    response = md_client.post(ADD_URL, form_data(gmkt_amount="8010"))
    errors = response.context["adminform"].form.errors["gmkt_amount"]
    assert len(errors) == 1
    assert "10,000원" in errors[0] and "8,000원" in errors[0] and "조회" in errors[0]
    assert "8,000원" in response.content.decode()
    assert not EsmSponsorship.objects.exists()
    assert [(e.method, e.path) for e in HttpExchange.objects.all()] == [
        ("GET", f"/item/v1/goods/{GOODS}/price")
    ]  # nothing but the price read


@pytest.mark.parametrize("casing", ["camel", "pascal"])
def test_esm_error_bodies_in_both_casings_are_shown_in_the_admin(
    md_client, saved, sandbox, casing, django_capture_on_commit_callbacks
):
    sandbox.configure("esm", error_casing=casing, foreign_goods=[GOODS])
    sponsorship = saved(gmkt_is_use=False)  # Auction only: the POST itself is refused
    response = action(md_client, django_capture_on_commit_callbacks, "push_to_esm", sponsorship)
    assert HttpExchange.objects.get(method="POST").response_body == (
        '{"ResultCode": 1000, "Message": "해당 판매자의 상품이 아닙니다"}'
        if casing == "pascal"
        else '{"resultCode": 1000, "message": "해당 판매자의 상품이 아닙니다"}'
    )
    page = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
    ).content.decode()
    assert "[1000] 해당 판매자의 상품이 아닙니다" in page
    assert "실패" in page
    # The changelist shows it too, and the job carries it.
    assert "해당 판매자의 상품이 아닙니다" in md_client.get(CHANGELIST_URL).content.decode()
    assert Job.objects.get().last_error == "[1000] 해당 판매자의 상품이 아닙니다"
    assert response.redirect_chain


def test_change_page_buttons_push_pull_release(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    sponsorship = saved()
    change_url = reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
    assert ">ESM에 등록</button>" in md_client.get(change_url).content.decode()

    def press(operation):
        url = reverse(
            "admin:marketplaces_esmsponsorship_operation", args=[sponsorship.pk, operation]
        )
        with django_capture_on_commit_callbacks(execute=True):
            return md_client.post(url, follow=True)

    response = press("push")
    assert any("ESM에 등록" in m for m in messages_of(response))
    page = md_client.get(change_url).content.decode()
    assert ">ESM에 수정 전송</button>" in page and ">ESM에서 해제</button>" in page

    remote = sandbox_esm.stored(sandbox.state, GOODS)
    remote["gmarket"]["maxAmount"] = 55_000
    sandbox_esm.store(sandbox.state, GOODS, remote)
    press("pull")
    page = md_client.get(change_url).content.decode()
    assert 'class="esm-differences"' in page and "55,000" in page and "100,000" in page

    press("release")
    assert sandbox_esm.stored(sandbox.state, GOODS) is None
    assert md_client.get(change_url).status_code == 200
    assert (
        md_client.get(
            reverse("admin:marketplaces_esmsponsorship_operation", args=[sponsorship.pk, "push"])
        ).status_code
        == 405
    )


def test_pull_action_reports_the_differences(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    sponsorship = saved(gmkt_field=6)
    sandbox.configure("esm", field_format="number")
    action(md_client, django_capture_on_commit_callbacks, "push_to_esm", sponsorship)
    remote = sandbox_esm.stored(sandbox.state, GOODS)
    remote["gmarket"]["field"] = 3
    sandbox_esm.store(sandbox.state, GOODS, remote)

    response = action(md_client, django_capture_on_commit_callbacks, "pull_from_esm", sponsorship)
    assert Job.objects.filter(operation="pull").get().result["differences"] == [
        {"field": "gmarket.field", "label": "후원분야", "local": 6, "remote": 3}
    ]
    page = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
    ).content.decode()
    assert "6 기타" in page and "3 환경보호" in page
    assert response.status_code == 200


def test_retired_api_message_in_the_admin(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    sponsorship = saved()
    sandbox.inject("esm", "retired", times=100, path_contains="/customer-benefit/sponsorship")
    action(md_client, django_capture_on_commit_callbacks, "push_to_esm", sponsorship)
    job = Job.objects.get()
    assert (job.status, job.attempts) == ("FAILED", 1)
    page = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_change", args=[sponsorship.pk])
    ).content.decode()
    assert "ESM has retired the sponsorship API" in page


def test_bulk_action_makes_one_job_and_its_page_lists_outcomes(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    rows = [saved(goods_no=str(3_000_000_000 + i)) for i in range(4)]
    sandbox.configure("esm", foreign_goods=[rows[3].goods_no])
    response = action(md_client, django_capture_on_commit_callbacks, "bulk_push_to_esm", *rows)
    job = Job.objects.get()
    assert job.target_type == "esm.sponsorship_bulk" and job.status == "SUCCEEDED"
    assert any(f"#{job.pk}" in m for m in messages_of(response))

    page = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk])
    ).content.decode()
    assert "4 / 4" in page
    assert page.count('class="outcome-ok"') == 3 and page.count('class="outcome-failed"') == 1
    assert "해당 판매자의 상품이 아닙니다" in page
    failed_only = md_client.get(
        reverse("admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk]), {"status": "FAILED"}
    ).content.decode()
    assert failed_only.count('<tr class="outcome-') == 1


def test_a_user_without_change_permission_cannot_push(client, django_user_model, saved, sandbox):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-v-12345", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_esmsponsorship"))
    client.force_login(viewer)
    sponsorship = saved()
    response = client.post(
        reverse("admin:marketplaces_esmsponsorship_operation", args=[sponsorship.pk, "push"])
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_a_row_esm_still_holds_cannot_be_deleted(
    md_client, saved, sandbox, django_capture_on_commit_callbacks
):
    sponsorship = saved()
    delete_url = reverse("admin:marketplaces_esmsponsorship_delete", args=[sponsorship.pk])
    assert md_client.get(delete_url).status_code == 200  # nothing on ESM yet
    action(md_client, django_capture_on_commit_callbacks, "push_to_esm", sponsorship)
    assert md_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert EsmSponsorship.objects.filter(pk=sponsorship.pk).exists()
    actions = md_client.get(CHANGELIST_URL).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]
