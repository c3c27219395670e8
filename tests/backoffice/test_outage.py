"""The database goes away and comes back (PostgreSQL through a TCP proxy the test closes, the
shared server untouched): gunicorn answers every API 503 in the error shape with Retry-After,
/readyz fails while /healthz holds, and both recover by themselves once the database is back."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from coupons import codes
from coupons.models import Member
from tests.coupons.api.conftest import JWT_SECRET, member_token
from tests.servers import TcpProxy, database_url, get, gunicorn, server_env
from tests.waiting import wait_for

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proxy():
    proxy = TcpProxy().open()
    yield proxy
    proxy.close()


def _requests(token: str, member_jwt: str, session: str) -> dict[str, tuple]:
    """One request per kind of door: member API, BO API (token), BO API (session), admin page."""
    return {
        "member API": (
            "/v1/marketing/cpnIssuList?sortGb=10&rowsPerPage=10&pageIdx=1",
            {"Authorization": f"Bearer {member_jwt}"},
        ),
        "admin API (token)": ("/api/v1/admin/members/", {"Authorization": f"Token {token}"}),
        "admin API (session)": ("/api/v1/admin/members/", {"Cookie": f"sessionid={session}"}),
        "admin page": ("/admin/coupons/member/", {"Cookie": f"sessionid={session}"}),
    }


def _session_cookie(url: str) -> str:
    status, headers, body = get(url + "/admin/login/")
    csrf = headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]
    data = f"username=ops&password=pw-ops-123&csrfmiddlewaretoken={csrf}&next=/admin/".encode()
    status, headers, _ = get(
        url + "/admin/login/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        data=data,
    )
    cookies = headers.get_all("Set-Cookie")
    assert status == 302, status
    return next(c for c in cookies if c.startswith("sessionid=")).split("=")[1].split(";")[0]


def test_database_outage_is_503_then_recovers(proxy, settings):
    # the server checks the password with the production hashers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    member = Member.objects.create(mbr_no="100000001", grade_cd=codes.Grade.GOLD, site_no="1")
    user = get_user_model().objects.create_superuser("ops", password="pw-ops-123")
    token = Token.objects.create(user=user).key
    env = server_env(
        DATABASE_URL=database_url(host="127.0.0.1", port=proxy.port),
        MEMBER_JWT_SECRET=JWT_SECRET,
        CONN_MAX_AGE=600,  # persistent connections must notice the outage and reconnect
        API_RETRY_AFTER_SECONDS=7,
    )
    with gunicorn(env=env, workers=1, threads=4) as server:
        session = _session_cookie(server.url)
        doors = _requests(token, member_token(member.mbr_no), session)
        for door, (path, headers) in doors.items():
            assert get(server.url + path, headers)[0] == 200, door
        assert get(server.url + "/readyz")[0] == 200

        proxy.close()
        for door, (path, headers) in doors.items():
            status, response_headers, body = get(server.url + path, headers)
            assert status == 503, (door, status, body[:200])
            assert response_headers["Retry-After"] == "7", door
            assert response_headers["Content-Type"].startswith("application/json"), door
            assert json.loads(body) == {
                "code": "SERVICE_UNAVAILABLE",
                "message": "데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
                "fields": {},
            }, door
        status, headers, body = get(server.url + "/readyz")
        assert (status, headers["Retry-After"]) == (503, "7")
        assert json.loads(body)["code"] == "SERVICE_UNAVAILABLE"
        assert get(server.url + "/healthz")[:1] == (200,)

        proxy.open()
        wait_for(lambda: get(server.url + "/readyz")[0] == 200)
        assert json.loads(get(server.url + "/readyz")[2]) == {"status": "ok", "database": "ok"}
        for door, (path, headers) in doors.items():
            assert get(server.url + path, headers)[0] == 200, door
