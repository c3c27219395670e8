"""The admin's own words (issue 15): a 403 inside the admin layout with the reason and a way back,
no "View site" link to a page that does not exist, Django's awkward Korean defaults replaced."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from backoffice.urls import permission_denied
from coupons.models import MemberCoupon
from tests.coupons.issuing_factories import approved_promotion, member, staff

pytestmark = pytest.mark.django_db

COMPENSATION = "admin:coupons_membercoupon_compensation"


@pytest.fixture
def md(client):
    user = staff("md", "Merchandiser")
    client.force_login(user)
    return user


def test_a_merchandiser_on_the_compensation_page_gets_the_admins_403(client, md):
    desk = "http://testserver" + reverse("admin:index")
    response = client.get(reverse(COMPENSATION), headers={"referer": desk})
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="site-name"' in body and "프로모션 백오피스" in body, "inside the admin layout"
    assert 'id="user-tools"' in body and "md" in body
    assert "CS 보상쿠폰 발급은 CS 상담원만 할 수 있습니다." in body
    assert "md 계정(Merchandiser)으로 로그인되어 있습니다." in body
    assert f'id="denied-back" href="{desk}"' in body
    assert f'id="denied-home" href="{reverse("admin:index")}"' in body
    assert "403 Forbidden" not in body
    # every compensation page says the same
    for name, args in (
        ("admin:coupons_membercoupon_compensation_run", [1]),
        ("admin:coupons_membercoupon_compensation_csv", [1]),
    ):
        other = client.get(reverse(name, args=args))
        assert other.status_code == 403
        assert "CS 보상쿠폰 발급은 CS 상담원만 할 수 있습니다." in other.content.decode()


def test_a_foreign_or_missing_referer_offers_only_the_admin_home(client, md):
    for headers in ({"referer": "https://evil.example/admin/"}, {}):
        body = client.get(reverse(COMPENSATION), headers=headers).content.decode()
        assert 'id="denied-back"' not in body and "evil.example" not in body
        assert 'id="denied-home"' in body


def test_a_bare_permission_denied_in_the_admin_has_a_general_reason(client, md):
    coupon_admin_revoke = reverse("admin:coupons_membercoupon_revoke")
    response = client.post(coupon_admin_revoke, {"ids": "1", "reason": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "이 페이지를 볼 권한이 없습니다." in body and 'id="denied-home"' in body


def test_the_403_in_english(client, md):
    client.cookies["django_language"] = "en"
    body = client.get(reverse(COMPENSATION)).content.decode()
    assert "Only CS agents can issue compensation coupons." in body
    assert "Back to the admin home" in body
    assert "CS 보상쿠폰 발급은" not in body


def test_the_api_keeps_its_error_shape_for_a_403():
    request = RequestFactory().get("/api/v1/admin/promotions/")
    with translation.override("ko"):
        response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "code": "PERMISSION_DENIED",
        "message": "이 페이지를 볼 권한이 없습니다.",
        "fields": {},
    }


def test_no_view_site_link(client, md):
    from django.contrib import admin

    assert admin.site.site_url is None
    for lang in ("ko", "en"):
        client.cookies["django_language"] = lang
        body = client.get(reverse("admin:index")).content.decode()
        assert "View site" not in body and "사이트 보기" not in body
        assert 'href="/"' not in body


@pytest.mark.parametrize(
    ("awkward", "ours"),
    [("뷰 회원쿠폰", "회원쿠폰 보기"), ("개체", None), ("보기위한", None), (">Home<", ">홈<")],
)
def test_django_korean_defaults_are_replaced(client, awkward, ours):
    client.force_login(staff("cs", "CS agent"))
    member("100")
    promotion = approved_promotion()
    from coupons import codes
    from coupons.issuing import coupon_issue

    (coupon,) = coupon_issue(member="100", promotion=promotion, channel=codes.Channel.DOWNLOAD)
    pages = [
        reverse("admin:index"),
        reverse("admin:coupons_membercoupon_changelist"),
        reverse("admin:coupons_membercoupon_change", args=[coupon.pk]),
        reverse("admin:coupons_membercoupon_history", args=[coupon.pk]),
        reverse("admin:coupons_membercoupon_member_history", args=["100"]),
        reverse("admin:coupons_promotion_change", args=[promotion.pk]),
    ]
    bodies = {url: client.get(url).content.decode() for url in pages}
    for url, body in bodies.items():
        assert awkward not in body, url
    if ours:
        assert any(ours in body for body in bodies.values())
    assert MemberCoupon.objects.count() == 1
