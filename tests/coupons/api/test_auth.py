"""Member JWT authentication and the wall between members, BO users and the admin API."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from coupons.models import MemberCoupon

from .conftest import (
    JWT_SECRET,
    issue,
    make_member,
    make_user,
    member_client,
    member_token,
    token_client,
)

pytestmark = pytest.mark.django_db

BOX = ("get", "/v1/marketing/cpnIssuList", {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 1})
DETAIL = (
    "post",
    "/v1/marketing/goodsDetailCpnList",
    {"ordMediaCd": "20", "cpnType": "20", "sortGb": "10", "rowsPerPage": 10, "pageIdx": 1},
)
DOWN = ("post", "/v1/marketing/cpnDown", {"promoNoList": ["C1000000"]})
MEMBER_ENDPOINTS = [BOX, DETAIL, DOWN]

BO_AND_ADMIN = [
    (
        "post",
        "/v1/marketing/cpnDownBo",
        {"promoNoList": ["C1000000"], "mbrNo": "X", "systemUserNo": "BATCH", "autoIssuOdr": "1"},
    ),
    ("get", "/v1/marketing/getCouponListByAutoIssuTypCd", {"autoIssuTypCd": "2101"}),
    ("get", "/api/v1/admin/promotions/", {}),
    ("post", "/api/v1/admin/promotions/", {}),
    ("get", "/api/v1/admin/promotions/C1000000/", {}),
    ("patch", "/api/v1/admin/promotions/C1000000/", {}),
    ("put", "/api/v1/admin/promotions/C1000000/", {}),
    ("post", "/api/v1/admin/promotions/C1000000/approve/", {}),
    ("post", "/api/v1/admin/promotions/C1000000/suspend/", {}),
    ("post", "/api/v1/admin/promotions/C1000000/end/", {}),
    ("get", "/api/v1/admin/members/", {}),
    ("post", "/api/v1/admin/members/bulk/", {"rows": [{"mbrNo": "X", "gradeCd": "10"}]}),
    ("get", "/api/v1/admin/goods/", {}),
    ("post", "/api/v1/admin/goods/bulk/", {"rows": [{}]}),
    ("get", "/api/v1/admin/exhibitions/", {}),
    ("post", "/api/v1/admin/exhibitions/bulk/", {"rows": [{}]}),
    ("get", "/api/v1/admin/member-coupons/", {}),
    ("post", "/api/v1/admin/member-coupons/1/revoke/", {"reason": "x"}),
    (
        "post",
        "/api/v1/admin/compensations/",
        {"mbrNoList": ["X"], "promoNo": "C1000000", "csCpnPayCausCd": "01"},
    ),
]


def call(client, method, url, data):
    if method == "get":
        return client.get(url, data)
    return getattr(client, method)(url, data, format="json")


@pytest.mark.parametrize("method,url,data", MEMBER_ENDPOINTS)
@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer not.a.jwt",
        "Token abc",
        "Basic dXNlcjpwdw==",
        "Bearer " + member_token("M1", secret="someone-elses-secret-0123456789abc"),  # forged
        "Bearer " + member_token("M1", ttl=-3600),  # expired
        "Bearer "
        + jwt.encode({"sub": "M1", "exp": 9999999999}, key="", algorithm="none"),  # unsigned
        "Bearer " + member_token("NOBODY"),  # unknown member
        "Bearer " + jwt.encode({"exp": 9999999999}, JWT_SECRET, algorithm="HS256"),  # no sub
        "Bearer " + jwt.encode({"sub": "M1"}, JWT_SECRET, algorithm="HS256"),  # no exp
    ],
)
def test_member_endpoints_401_member_only(method, url, data, header):
    make_member("M1")
    from rest_framework.test import APIClient

    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    r = call(client, method, url, data)
    assert r.status_code == 401, (header, r.content)
    assert r.json()["code"] == "MEMBER_ONLY"
    assert set(r.json()) == {"code", "message", "fields"}
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert MemberCoupon.objects.count() == 0


def test_valid_token_passes():
    make_member("M1")
    r = call(member_client("M1"), *BOX)
    assert r.status_code == 200


def test_rs256_public_key(settings):
    make_member("M1")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.MEMBER_JWT_PUBLIC_KEY = public_pem
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Bearer " + member_token("M1", secret=private, alg="RS256")
    )
    assert call(client, *BOX).status_code == 200
    # with a public key configured, an HS256 token (even signed with the public key text) is refused
    client.credentials(HTTP_AUTHORIZATION="Bearer " + member_token("M1"))
    assert call(client, *BOX).status_code == 401
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client.credentials(HTTP_AUTHORIZATION="Bearer " + member_token("M1", secret=other, alg="RS256"))
    assert call(client, *BOX).status_code == 401


def test_no_key_configured_refuses_everything(settings):
    make_member("M1")
    settings.MEMBER_JWT_SECRET = ""
    r = call(member_client("M1"), *BOX)
    assert r.status_code == 401 and r.json()["code"] == "MEMBER_ONLY"


@pytest.mark.parametrize("method,url,data", BO_AND_ADMIN)
def test_member_token_never_reaches_bo_or_admin(method, url, data):
    make_member("M1")
    r = call(member_client("M1"), method, url, data)
    assert r.status_code in (401, 403), r.content
    assert set(r.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize("method,url,data", BO_AND_ADMIN)
def test_anonymous_gets_401_on_bo_and_admin(method, url, data):
    from rest_framework.test import APIClient

    r = call(APIClient(), method, url, data)
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("method,url,data", BO_AND_ADMIN)
def test_user_without_permissions_gets_403(method, url, data):
    r = call(token_client(make_user("plain")), method, url, data)
    assert r.status_code == 403, r.content
    assert r.json()["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    "method,url,data",
    [
        BO_AND_ADMIN[0],  # cpnDownBo
        ("post", "/api/v1/admin/promotions/", {}),
        ("patch", "/api/v1/admin/promotions/C1000000/", {}),
        ("post", "/api/v1/admin/promotions/C1000000/approve/", {}),
        ("post", "/api/v1/admin/members/bulk/", {"rows": [{}]}),
    ],
)
def test_cs_agent_without_permission_gets_403(cs, method, url, data):
    r = call(token_client(cs), method, url, data)
    assert r.status_code == 403, r.content


def test_merchandiser_cannot_compensate_or_revoke(md):
    client = token_client(md)
    r = client.post(
        "/api/v1/admin/compensations/",
        {"mbrNoList": ["X"], "promoNo": "C1000000", "csCpnPayCausCd": "01"},
        format="json",
    )
    assert r.status_code == 403
    assert (
        client.post(
            "/api/v1/admin/member-coupons/1/revoke/", {"reason": "x"}, format="json"
        ).status_code
        == 403
    )


def test_admin_session_works_for_bo(admin_user_, client):
    client.force_login(admin_user_)
    r = client.get("/v1/marketing/getCouponListByAutoIssuTypCd", {"autoIssuTypCd": "2101"})
    assert r.status_code == 200 and r.json() == []


def test_member_a_cannot_read_b(make_promotion):
    a, b = make_member(), make_member()
    p = make_promotion(mbr_issu_lmt_qty=2)
    issue(b, p, qty=2)
    client = member_client(a)
    box = call(client, *BOX).json()
    assert box["totPromoCnt"] == 0 and box["list"] == []
    detail = client.post(DETAIL[1], {**DETAIL[2], "cpnType": "10"}, format="json").json()
    assert detail["promoCnt"] == 0
    r = client.post(DETAIL[1], {**DETAIL[2], "cpnType": "10", "mbrNo": b.mbr_no}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "MEMBER_MISMATCH"
