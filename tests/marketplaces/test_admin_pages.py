"""Marketplace admin pages a person reads (issue 15, part 3), through the Django test client: the
live status fragment, errors in the marketplace's words, collapsed payloads, buttons and actions
in words (no HTTP verb), lists that fit, paste-many for Coupang vendor items and ESM goods, and
the sandbox's own root page over real HTTP."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from backoffice.jobs.models import Job
from marketplaces.admin import SyncedObjectAdmin, error_text, plain_error
from marketplaces.coupang.models import CoupangCoupon, CoupangCouponItem
from marketplaces.esm.models import EsmSponsorship
from marketplaces.http import FinalError
from marketplaces.models import HttpExchange
from tests.marketplaces.coupang.test_admin import form_data
from tests.servers import get

pytestmark = pytest.mark.django_db

HTTP_VERB = re.compile(r"\b(GET|POST|PUT|DELETE|PATCH)\b")
CLASS_NAME = re.compile(r"\b\w*(FinalError|RetryableError|CredentialsError|Exception)\b")
BAD_CONTRACT = 999_999


@pytest.fixture
def md_client(client, merchandiser):
    client.force_login(merchandiser)
    return client


def _change_url(coupon) -> str:
    return reverse("admin:marketplaces_coupangcoupon_change", args=[coupon.pk])


def _status_url(coupon) -> str:
    return reverse("admin:marketplaces_coupangcoupon_sync_status", args=[coupon.pk])


def _push(md_client, coupon, capture):
    url = reverse("admin:marketplaces_coupangcoupon_operation", args=[coupon.pk, "push"])
    with capture(execute=True):
        return md_client.post(url, follow=True)


# --- the status fragment -------------------------------------------------------------------------
def test_status_fragment_while_a_job_is_open_and_after(md_client, make_coupon, merchandiser):
    from marketplaces.coupang.services import coupang_coupon_push

    coupon = make_coupon()
    job = coupang_coupon_push(coupon=coupon, user=merchandiser)  # not run: no commit here
    body = md_client.get(_status_url(coupon)).content.decode()
    assert 'data-open="1"' in body
    assert f"#{job.pk} 쿠팡에 등록" in body
    assert 'data-value="QUEUED"' in body and "전송 중" in body
    assert 'data-value="PENDING"' in body and "대기" in body

    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, last_error="쿠팡이 거절함")
    CoupangCoupon.objects.filter(pk=coupon.pk).update(local_status="FAILED", last_error="")
    body = md_client.get(_status_url(coupon), {"watched": "1"}).content.decode()
    assert 'data-open="0"' in body
    assert (
        'class="mk-sync-error">쿠팡이 거절함</p>' in body
    )  # the job's words when the coupon has none
    assert "새로 고쳐" in body  # the page it sits on is now behind: a link to reload it
    # served to the page's script, never cached
    assert "no-store" in md_client.get(_status_url(coupon))["Cache-Control"]


def test_change_page_embeds_the_fragment_and_its_script(md_client, make_coupon):
    coupon = make_coupon()
    page = md_client.get(_change_url(coupon)).content.decode()
    assert f'data-sync-status-url="{_status_url(coupon)}"' in page
    assert "marketplaces/sync_status.js" in page and "marketplaces/admin.css" in page


def test_status_fragment_needs_permission(client, django_user_model, make_coupon):
    coupon = make_coupon()
    assert client.get(_status_url(coupon)).status_code == 302  # to the login page
    nobody = django_user_model.objects.create_user("nobody", password="pw-n-12345", is_staff=True)
    client.force_login(nobody)
    assert client.get(_status_url(coupon)).status_code == 403
    nobody.user_permissions.set(Permission.objects.filter(codename="view_coupangcoupon"))
    client.force_login(django_user_model.objects.get(pk=nobody.pk))
    assert client.get(_status_url(coupon)).status_code == 200
    missing = reverse("admin:marketplaces_coupangcoupon_sync_status", args=[coupon.pk + 1000])
    assert client.get(missing).status_code == 404


def test_a_viewer_sees_no_push_button_and_cannot_post_one(
    client, django_user_model, make_coupon, sandbox
):
    coupon = make_coupon()
    viewer = django_user_model.objects.create_user("viewer", password="pw-v-12345", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_coupangcoupon"))
    client.force_login(viewer)
    assert 'data-operation="push"' not in client.get(_change_url(coupon)).content.decode()
    url = reverse("admin:marketplaces_coupangcoupon_operation", args=[coupon.pk, "push"])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert not Job.objects.exists()


# --- errors in the marketplace's words -----------------------------------------------------------
def test_a_refused_push_shows_coupangs_message_and_no_class_name(
    md_client, make_coupon, sandbox, django_capture_on_commit_callbacks
):
    coupon = make_coupon(contract_id=BAD_CONTRACT)
    response = _push(md_client, coupon, django_capture_on_commit_callbacks)
    said = f"contractId={BAD_CONTRACT} (으)로 계약이 판매자="
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and shown[0].startswith("쿠팡에 등록 — ")  # queued, then refused
    assert Job.objects.get().status == "FAILED"
    exchange = HttpExchange.objects.get(status_code=400)
    assert exchange.error.startswith("FinalError: ")  # the log keeps what the client raised

    for url in (
        _change_url(coupon),
        _status_url(coupon),
        reverse("admin:marketplaces_coupangcoupon_changelist"),
        reverse("admin:jobs_job_change", args=[Job.objects.get().pk]),
        reverse("admin:marketplaces_httpexchange_change", args=[exchange.pk]),
    ):
        page = md_client.get(url).content.decode()
        assert said in page, url
        assert not CLASS_NAME.search(page), (url, CLASS_NAME.search(page))


def test_error_text_and_plain_error_drop_class_names():
    assert error_text(FinalError("쿠폰이 없습니다")) == "쿠폰이 없습니다"
    assert plain_error("FinalError: policies[0] Invalid Amount Unit.") == (
        "policies[0] Invalid Amount Unit."
    )
    assert plain_error("marketplaces.http.RetryableError: 시간 초과") == "시간 초과"
    assert plain_error("ESM: 3000 잘못된 요청") == "ESM: 3000 잘못된 요청"  # words stay


# --- payloads collapsed ------------------------------------------------------------------------
def test_payloads_are_collapsed_and_pretty_printed(
    md_client, make_coupon, sandbox, django_capture_on_commit_callbacks
):
    coupon = make_coupon()
    _push(md_client, coupon, django_capture_on_commit_callbacks)
    coupon.refresh_from_db()
    assert coupon.local_status == "PUSHED" and coupon.remote_payload
    page = md_client.get(_change_url(coupon)).content.decode()
    blocks = re.findall(r'<details class="mk-json"( open)?>', page)
    assert blocks and not any(blocks)  # every payload starts collapsed
    assert "쿠팡이 보낸 내용 보기" in page
    pretty = json.dumps(coupon.remote_payload, ensure_ascii=False, indent=2)
    assert pretty.splitlines()[1].replace('"', "&quot;") in page


# --- words, not HTTP verbs -----------------------------------------------------------------------
def _marketplace_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("marketplaces", "jobs")
    ]


def test_no_http_verb_in_any_action_or_button_label(admin_user, rf: RequestFactory):
    request = rf.get("/admin/")
    request.user = admin_user
    checked = 0
    for model, model_admin in _marketplace_admins():
        for _name, (_func, _n, description) in model_admin.get_actions(request).items():
            assert not HTTP_VERB.search(str(description)), (model, description)
            checked += 1
        if isinstance(model_admin, SyncedObjectAdmin):
            for operation in model_admin.object_operations:
                for obj in (model(), *model.objects.all()[:1]):
                    label = operation.label_for(obj)
                    assert label and not HTTP_VERB.search(label), (model, label)
                    checked += 1
    assert checked >= 10


def test_change_pages_show_buttons_in_words(
    md_client, make_coupon, sandbox, merchandiser, django_capture_on_commit_callbacks
):
    coupon = make_coupon()
    page = md_client.get(_change_url(coupon)).content.decode()
    assert ">쿠팡에 등록</button>" in page
    _push(md_client, coupon, django_capture_on_commit_callbacks)
    page = md_client.get(_change_url(coupon)).content.decode()
    assert ">쿠팡에 등록</button>" not in page
    assert ">쿠팡에서 새로 읽기</button>" in page and ">쿠팡에서 만료</button>" in page
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", page)
    assert buttons and not any(HTTP_VERB.search(b) for b in buttons)


# --- lists that fit ------------------------------------------------------------------------------
def test_coupang_list_has_badges_compact_dates_won_and_a_short_error(md_client, make_coupon):
    long_error = "쿠팡이 거절했습니다: " + "아주 긴 설명 " * 20
    coupon = make_coupon()
    CoupangCoupon.objects.filter(pk=coupon.pk).update(local_status="FAILED", last_error=long_error)
    page = md_client.get(reverse("admin:marketplaces_coupangcoupon_changelist")).content.decode()
    assert '<span class="mk-badge mk-badge-err" data-value="FAILED">실패</span>' in page
    assert "1,000원 ~ 3,000원" in page
    from django.utils import timezone

    start = timezone.localtime(coupon.start_at).strftime("%Y-%m-%d %H:%M")
    assert f'<span class="mk-nowrap">{start}</span>' in page
    short = re.search(r'<span class="mk-error" title="([^"]*)">([^<]*)</span>', page)
    assert short and short.group(1) == " ".join(long_error.split()).replace(":", ":")
    assert len(short.group(2)) == 40 and short.group(2).endswith("…")


# --- paste many ------------------------------------------------------------------------------
def _paste_data(pasted: str, **kwargs):
    data = form_data(items=[], **kwargs)
    data["vendor_item_ids_pasted"] = pasted
    return data


def test_pasted_vendor_items_are_saved_with_the_coupon(md_client, sandbox):
    pasted = "\r\n".join(str(3_100_000_000 + i) for i in range(20))
    response = md_client.post(reverse("admin:marketplaces_coupangcoupon_add"), _paste_data(pasted))
    assert response.status_code == 302
    coupon = CoupangCoupon.objects.get()
    assert sorted(coupon.items.values_list("vendor_item_id", flat=True)) == [
        3_100_000_000 + i for i in range(20)
    ]


def test_a_pasted_bad_vendor_item_is_named_and_nothing_is_saved(md_client, sandbox):
    numbers = [str(3_100_000_000 + i) for i in range(20)]
    numbers[7] = "31000O0007"  # a letter O typed for a zero
    response = md_client.post(
        reverse("admin:marketplaces_coupangcoupon_add"), _paste_data("\n".join(numbers))
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["vendor_item_ids_pasted"]
    assert errors == ["숫자가 아닌 값이 1개 있습니다: 31000O0007"]
    assert not CoupangCoupon.objects.exists() and not CoupangCouponItem.objects.exists()


def test_a_pasted_vendor_item_on_another_live_coupon_is_named(md_client, make_coupon, sandbox):
    other = make_coupon()  # holds 3000000101 … 3000000105
    response = md_client.post(
        reverse("admin:marketplaces_coupangcoupon_add"), _paste_data("3000000103\n3200000000")
    )
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["vendor_item_ids_pasted"]
    assert "3000000103" in error and other.title in error
    assert CoupangCoupon.objects.count() == 1


@pytest.fixture
def esm_rows(merchandiser, sandbox):
    from datetime import date

    from marketplaces.esm.services import esm_sponsorship_save

    rows = []
    for n in range(3):
        row = EsmSponsorship(
            goods_no=str(4_000_000_000 + n),
            iac_is_use=True,
            iac_start_date=date(2026, 12, 1),
            iac_end_date=date(2027, 1, 31),
        )
        esm_sponsorship_save(sponsorship=row, user=merchandiser, price_checked=True)
        rows.append(row)
    return rows


def test_esm_bulk_paste_names_unknown_goods_and_queues_nothing(md_client, esm_rows, sandbox):
    url = reverse("admin:marketplaces_esmsponsorship_bulk_paste")
    pasted = "\n".join([*(r.goods_no for r in esm_rows), "4999999999"])
    response = md_client.post(url, {"goods_nos": pasted})
    assert response.status_code == 200
    assert response.context["form"].errors["goods_nos"] == ["없는 상품번호 1개: 4999999999"]
    assert not Job.objects.exists()
    assert set(EsmSponsorship.objects.values_list("local_state", flat=True)) == {"DRAFT"}


def test_esm_bulk_paste_queues_one_job_for_the_known_goods(
    md_client, esm_rows, sandbox, django_capture_on_commit_callbacks
):
    url = reverse("admin:marketplaces_esmsponsorship_bulk_paste")
    assert (
        "상품번호 붙여 넣어 일괄 전송"
        in md_client.get(reverse("admin:marketplaces_esmsponsorship_changelist")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = md_client.post(url, {"goods_nos": "\t".join(r.goods_no for r in esm_rows)})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:marketplaces_esmsponsorship_bulk_job", args=[job.pk]
    )
    assert (job.target_type, job.progress_total) == ("esm.sponsorship_bulk", 3)


# --- the sandbox's root ------------------------------------------------------------------------
def test_sandbox_root_describes_itself_over_http(sandbox_server):
    status, headers, body = get(sandbox_server.base_url + "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Marketplace sandbox" in page and "Not Found" not in page
    assert "/v2/providers/marketplace_openapi/apis/api/v1/coupons" in page
    assert "/customer-benefit/sponsorship" in page and "POST /_sandbox/faults" in page

    status, headers, body = get(
        sandbox_server.base_url + "/", headers={"Accept": "application/json"}
    )
    about = json.loads(body)
    assert status == 200 and {m["name"] for m in about["marketplaces"]} >= {"coupang", "esm"}
    assert "drop_after_apply" in about["faults"]
    assert get(sandbox_server.base_url + "/?format=json")[2] == body
    # elsewhere it still answers as before
    assert get(sandbox_server.base_url + "/nowhere")[0] == 404
