"""Fixtures for the API tests: real members, goods, promotions through the real services, real
member JWTs (HS256 with a test secret) and real DRF tokens."""

from __future__ import annotations

import itertools

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coupons import codes, issuing, services
from coupons.models import Exhibition, Goods, Member, MemberCoupon, Promotion
from coupons.roles import role_group

JWT_SECRET = "test-member-secret-0123456789abcdef"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def member_jwt_settings(settings):
    settings.MEMBER_JWT_SECRET = JWT_SECRET
    settings.MEMBER_JWT_PUBLIC_KEY = ""
    return settings


def member_token(
    mbr_no: str, *, secret: str = JWT_SECRET, alg: str = "HS256", ttl: int = 3600, **claims
) -> str:
    now = int(timezone.now().timestamp())
    payload = {"sub": mbr_no, "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, secret, algorithm=alg)


def member_client(member: Member | str) -> APIClient:
    client = APIClient()
    mbr_no = member.mbr_no if isinstance(member, Member) else member
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {member_token(mbr_no)}")
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def make_user(
    username: str, *, role: str | None = None, perms: tuple[str, ...] = (), superuser=False
):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=True, is_superuser=superuser
    )
    if role:
        user.groups.add(role_group(role))
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


@pytest.fixture
def md(db):
    return make_user("md", role="Merchandiser")


@pytest.fixture
def approver(db):
    return make_user("md2", role="Merchandiser")


@pytest.fixture
def cs(db):
    return make_user("cs", role="CS agent")


@pytest.fixture
def batch(db):
    return make_user("batch", perms=("coupons.issue_membercoupon", "coupons.view_promotion"))


@pytest.fixture
def admin_user_(db):
    return make_user("root", superuser=True)


def make_member(
    mbr_no: str | None = None, grade: str = codes.Grade.GOLD, site: str = "1"
) -> Member:
    return Member.objects.create(
        mbr_no=mbr_no or f"M{next(_seq):08d}", grade_cd=grade, site_no=site
    )


def make_goods(goods_no: str | None = None, **kw) -> Goods:
    data = {
        "goods_nm": "테스트 상품",
        "sale_price": 39000,
        "entr_no": "V100",
        "disp_ctg_no": "CAT10",
        "brand_no": "B200",
        "site_no": "1",
    }
    data.update(kw)
    return Goods.objects.create(goods_no=goods_no or f"G{next(_seq):08d}", **data)


# The one valid-promotion builder of the suite.
from tests.factories import promotion_data  # noqa: E402,F401


@pytest.fixture
def make_promotion(md, approver):
    """Create through promotion_create and approve through promotion_approve (another user)."""

    def build(*, targets=None, approve=True, **overrides) -> Promotion:
        promotion = services.promotion_create(
            user=md, data=promotion_data(**overrides), targets=targets
        )
        if approve:
            promotion = services.promotion_approve(user=approver, promotion=promotion)
        return promotion

    return build


def issue(member, promotion, qty=1, channel=None) -> list[MemberCoupon]:
    """Issue through the real engine (FO download for method 03, BO for 01)."""
    if channel is None:
        channel = {
            codes.IssueMethod.DOWNLOAD: codes.Channel.DOWNLOAD,
            codes.IssueMethod.CODE: codes.Channel.CODE,
            codes.IssueMethod.AUTO: codes.Channel.BO,
        }.get(promotion.cpn_issu_way_cd, codes.Channel.BO)
        if promotion.cpn_issu_main_cd == codes.Issuer.CS:
            channel = codes.Channel.CS
    return issuing.coupon_issue(
        member=member,
        promotion=promotion,
        qty=qty,
        channel=channel,
        reason_cd="01" if channel == codes.Channel.CS else "",
    )


def make_exhibition(no: str, goods: list[Goods], name: str = "기획전") -> Exhibition:
    exhibition = Exhibition.objects.create(exhibition_no=no, exhibition_nm=name)
    exhibition.goods.set(goods)
    return exhibition
