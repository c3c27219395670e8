"""Every endpoint answers any HTTP method, authenticated or not, without a 5xx and in the error shape."""

import pytest
from rest_framework.test import APIClient

from .conftest import make_member, make_user, member_client, token_client

URLS = [
    "/v1/marketing/goodsDetailCpnList",
    "/v1/marketing/cpnDown",
    "/v1/marketing/cpnDownBo",
    "/v1/marketing/getCouponListByAutoIssuTypCd",
    "/v1/marketing/cpnIssuList",
    "/api/v1/admin/promotions/",
    "/api/v1/admin/promotions/C1000000/",
    "/api/v1/admin/promotions/C1000000/approve/",
    "/api/v1/admin/members/",
    "/api/v1/admin/members/bulk/",
    "/api/v1/admin/goods/",
    "/api/v1/admin/goods/bulk/",
    "/api/v1/admin/exhibitions/",
    "/api/v1/admin/exhibitions/bulk/",
    "/api/v1/admin/member-coupons/",
    "/api/v1/admin/member-coupons/1/revoke/",
    "/api/v1/admin/compensations/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_any_method_any_caller_no_5xx(url):
    make_member("M1")
    callers = [
        APIClient(),
        member_client("M1"),
        token_client(make_user("root", superuser=True)),
        token_client(make_user("plain")),
    ]
    for client in callers:
        for method in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"):
            r = client.generic(method, url, b"{", content_type="application/json")
            assert r.status_code < 500, (method, url, r.status_code, r.content[:300])
            if r.status_code >= 400 and method != "HEAD":
                assert set(r.json()) == {"code", "message", "fields"}, (
                    method,
                    url,
                    r.content[:300],
                )
