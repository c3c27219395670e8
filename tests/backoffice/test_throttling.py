"""Login lockout (django-axes) and the API throttles, turned on here (the suite runs with both off):
N wrong admin passwords lock the username + address out with a Korean message, the right
password included, until the cool-off; the mall and back-office APIs answer 429 in the error
shape with Retry-After once the rate is spent, each identity counted apart."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

from coupons import codes
from tests.coupons.api.conftest import (
    JWT_SECRET,
    make_member,
    make_user,
    member_token,
    token_client,
)

pytestmark = pytest.mark.django_db
LOCKED = "로그인에 3번 실패하여 10분 동안 로그인할 수 없습니다. 잠시 후 다시 시도하거나 관리자에게 문의하세요."


@pytest.fixture
def lockout(settings):
    from datetime import timedelta

    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)


@pytest.fixture
def throttles(settings):
    cache.clear()
    settings.MEMBER_JWT_SECRET = JWT_SECRET
    settings.API_THROTTLE_MEMBER = "3/min"
    settings.API_THROTTLE_BACKOFFICE = "2/min"
    yield
    cache.clear()


def _login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_admin_login_locks_out_after_the_limit(lockout):
    make_user("md", role="Merchandiser")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        r = _login(client, "md", "wrong")
        assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    r = _login(client, "md", "wrong")  # the third failure locks
    assert r.status_code == 429
    r = _login(client, "md", "pw-md")  # even the right password, while locked
    assert r.status_code == 429 and r["Retry-After"] == "600"
    page = r.content.decode()
    assert LOCKED in page and 'name="password"' in page
    assert "_auth_user_id" not in client.session
    # another address, or another username from this address, is not locked
    assert _login(Client(REMOTE_ADDR="203.0.113.8"), "md", "pw-md").status_code == 302
    make_user("cs", role="CS agent")
    assert _login(client, "cs", "pw-cs").status_code == 302
    assert (
        AccessAttempt.objects.get(username="md", ip_address="203.0.113.7").failures_since_start == 4
    )


def test_a_success_before_the_limit_resets_the_count(lockout):
    make_user("md", role="Merchandiser")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        _login(client, "md", "wrong")
    assert _login(client, "md", "pw-md").status_code == 302
    client.logout()
    for _ in range(2):
        assert _login(client, "md", "wrong").status_code == 200
    assert _login(client, "md", "pw-md").status_code == 302


def test_member_api_throttle_is_429_in_the_error_shape_per_member(throttles):
    url = "/v1/marketing/cpnIssuList?sortGb=10&rowsPerPage=10&pageIdx=1"
    first, second = make_member("100000001", codes.Grade.GOLD), make_member("100000002")
    as_first = {"HTTP_AUTHORIZATION": f"Bearer {member_token(first.mbr_no)}"}
    statuses = [Client().get(url, **as_first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = Client().get(url, **as_first)
    body = r.json()
    assert r.status_code == 429 and body["code"] == "THROTTLED" and body["fields"] == {}
    assert body["message"] and 0 < int(r["Retry-After"]) <= 60
    other = {"HTTP_AUTHORIZATION": f"Bearer {member_token(second.mbr_no)}"}
    assert Client().get(url, **other).status_code == 200


def test_backoffice_api_throttle_is_429_per_user(throttles):
    md, cs = make_user("md", role="Merchandiser"), make_user("cs", role="CS agent")
    client = token_client(md)
    assert [client.get("/api/v1/admin/members/").status_code for _ in range(3)] == [200, 200, 429]
    r = client.get("/api/v1/admin/promotions/")
    assert r.status_code == 429 and r.json()["code"] == "THROTTLED" and r["Retry-After"]
    assert token_client(cs).get("/api/v1/admin/members/").status_code == 200


def test_empty_rate_turns_a_throttle_off(throttles, settings):
    settings.API_THROTTLE_BACKOFFICE = ""
    client = token_client(make_user("md", role="Merchandiser"))
    assert {client.get("/api/v1/admin/members/").status_code for _ in range(5)} == {200}
