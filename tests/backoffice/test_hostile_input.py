"""No input gives a 500: a hand-written corpus, one test per input, each through the whole WSGI
stack (middleware, DRF, the project's 400 / 404 / 500 handlers), asserting the status and the one
error shape {"code", "message", "fields"} with `fields` flat (a name → a list of strings)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from coupons import codes, services
from coupons.models import Member
from tests.coupons.api.conftest import (
    JWT_SECRET,
    make_goods,
    make_member,
    make_user,
    member_token,
    token_client,
)
from tests.factories import promotion_data

pytestmark = pytest.mark.django_db
ADMIN = "/api/v1/admin"
FORBIDDEN = "NUL 문자나 짝이 없는 서로게이트 문자는 보낼 수 없습니다."


def assert_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "fields"}
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    for name, messages in body["fields"].items():
        assert isinstance(name, str)
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), body
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture(autouse=True)
def _member_jwt(settings):
    settings.MEMBER_JWT_SECRET = JWT_SECRET


@pytest.fixture
def root(db):
    return make_user("corpus-root", superuser=True)


@pytest.fixture
def api(root):
    client = token_client(root)
    client.raise_request_exception = True
    return client


@pytest.fixture
def admin_client_(root):
    client = Client(raise_request_exception=True)
    client.force_login(root)
    return client


@pytest.fixture
def member_auth(db):
    member = make_member("100000001", grade=codes.Grade.GOLD)
    return {"HTTP_AUTHORIZATION": f"Bearer {member_token(member.mbr_no)}"}


def deep(n: int) -> bytes:
    return b'{"a":' * n + b"1" + b"}" * n


# -- bodies over the limit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [f"{ADMIN}/members/bulk/", "/v1/marketing/cpnDown", "/admin/login/"]
)
def test_ten_megabyte_body_is_413(api, path):
    body = b'{"rows": [' + b" " * (10 * 1024 * 1024) + b"]}"
    r = api.generic("POST", path, body, content_type="application/json")
    data = assert_shape(r, 413, "REQUEST_TOO_LARGE")
    assert "5242880" in data["message"]


def test_body_over_django_upload_limit_without_content_length_check_is_413(api, settings):
    # Django's own limit (RequestDataTooBig while reading the body) answers the same shape.
    settings.API_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = api.post(
        f"{ADMIN}/members/bulk/",
        {"rows": [{"mbrNo": str(100000000 + i), "gradeCd": "10"} for i in range(100)]},
        format="json",
    )
    assert_shape(r, 413, "REQUEST_TOO_LARGE")
    assert not Member.objects.exists()


def test_admin_form_over_django_upload_limit_is_413(settings):
    settings.API_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = Client().post("/admin/login/", {"username": "x" * 4000, "password": "y"})
    assert_shape(r, 413, "REQUEST_TOO_LARGE")


def test_too_many_form_fields_is_400():
    body = "&".join(f"f{i}=1" for i in range(1500))
    r = Client().generic(
        "POST", "/admin/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert_shape(r, 400, "INVALID_REQUEST")


def test_malformed_content_length_is_400(api):
    r = api.generic(
        "POST",
        f"{ADMIN}/members/bulk/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH="abc",
    )
    assert_shape(r, 400)


# -- JSON nesting -------------------------------------------------------------------------------


def _json_operations(api):
    doc = api.get("/api/schema/", {"format": "json"}).json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("post", "put", "patch") and "application/json" in (
                op.get("requestBody", {}).get("content", {})
            ):
                yield method, path, op


def test_json_nested_1000_deep_is_400_on_every_json_endpoint(api, member_auth):
    goods = make_goods("1000000001")
    sent = 0
    for method, path, op in _json_operations(api):
        url = path.replace("{promoNo}", "C1000000").replace("{goodsNo}", goods.goods_no)
        for name in ("{id}", "{cpnIsuNo}", "{pk}"):
            url = url.replace(name, "1")
        client = Client(**member_auth) if {"memberJwt": []} in op.get("security", []) else api
        r = client.generic(method.upper(), url, deep(1000), content_type="application/json")
        # 404 where the object of the path does not exist (looked up before the body is read)
        assert r.status_code in (400, 404), (method, url, r.status_code, r.content[:200])
        body = assert_shape(r, r.status_code)
        if r.status_code == 400:
            assert "32" in body["message"] or body["code"] == "VALIDATION_ERROR", body
            sent += 1
    assert sent >= 10


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_json_is_400_without_recursion(api, depth):
    r = api.generic("POST", f"{ADMIN}/members/bulk/", deep(depth), content_type="application/json")
    body = assert_shape(r, 400, "INVALID_REQUEST")
    assert body["message"] == "JSON은 32단계까지만 중첩할 수 있습니다."


def test_json_at_the_depth_limit_is_parsed(api):
    r = api.generic("POST", f"{ADMIN}/members/bulk/", deep(32), content_type="application/json")
    assert_shape(r, 400, "VALIDATION_ERROR")  # parsed: the serializer says `rows` is missing


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    name = "[" * 5000 + "{" * 5000
    r = api.post(f"{ADMIN}/members/bulk/", {"rows": [{"mbrNo": "1", "x": name}]}, format="json")
    assert r.status_code == 200, r.content


@pytest.mark.parametrize(
    "raw", [b"{not json", b"\xff\xfe\x00", b'{"rows": NaN}', b'{"a": "\xed\xa0\x80"}', b""]
)
def test_malformed_json_is_400(api, raw):
    r = api.generic("POST", f"{ADMIN}/members/bulk/", raw, content_type="application/json")
    assert_shape(r, 400)


# -- NUL bytes and lone surrogates --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{ADMIN}/esm/sponsorships/%00/push/",
        f"{ADMIN}/esm/sponsorships/1%00/",
        f"{ADMIN}/coupang/coupons/1%00/push/",
        f"{ADMIN}/promotions/C1%00/",
        "/v1/marketing/cpn%00IssuList",
    ],
)
def test_nul_in_api_path_is_400(api, path):
    r = api.post(path) if path.endswith("push/") else api.get(path)
    body = assert_shape(r, 400, "INVALID_REQUEST")
    assert body["fields"] == {"path": [FORBIDDEN]}


@pytest.mark.parametrize(
    "path",
    [
        "/admin/coupons/promotion/C1%00/change/",
        "/admin/coupons/membercoupon/1%00/change/",
        "/admin/marketplaces/httpexchange/%00/change/",
        "/admin/coupons/promotion/%00/history/",
    ],
)
def test_nul_in_admin_object_id_is_400(admin_client_, path):
    assert_shape(admin_client_.get(path), 400, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00"},
        {"status__exact": "\x00"},
        {"channel__exact": "1\x00"},
        {"\x00": "1"},
    ],
)
def test_nul_in_admin_changelist_filter_is_400(admin_client_, query):
    r = admin_client_.get("/admin/coupons/membercoupon/", query)
    assert_shape(r, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "url, query",
    [
        (f"{ADMIN}/member-coupons/", {"mbrNo": "1\x00"}),
        (f"{ADMIN}/members/", {"gradeCd": "\x00"}),
        (f"{ADMIN}/promotions/", {"cursor": "\x00"}),
    ],
)
def test_nul_in_api_query_is_400(api, url, query):
    body = assert_shape(api.get(url, query), 400, "VALIDATION_ERROR")
    assert body["fields"] == {next(iter(query)): [FORBIDDEN]}


def test_nul_in_member_query_is_400(member_auth):
    r = Client(**member_auth).get(
        "/v1/marketing/cpnIssuList",
        {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 1, "siteNo": "\x00"},
    )
    assert assert_shape(r, 400, "VALIDATION_ERROR")["fields"] == {"siteNo": [FORBIDDEN]}


def test_nul_in_admin_form_post_is_400(admin_client_):
    r = admin_client_.post("/admin/coupons/member/add/", {"mbr_no": "1\x00", "grade_cd": "10"})
    assert assert_shape(r, 400, "VALIDATION_ERROR")["fields"] == {"mbr_no": [FORBIDDEN]}
    assert not Member.objects.exists()


def test_nul_in_login_form_is_400():
    r = Client().post("/admin/login/", {"username": "root\x00", "password": "x"})
    assert_shape(r, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "raw, where",
    [
        (b'{"rows": [{"mbrNo": "1\\u0000", "gradeCd": "10"}]}', "rows[0].mbrNo"),
        (b'{"rows": [{"mbrNo": "1", "gradeCd": "10"}, {"mbrNo": "\\ud800"}]}', "rows[1].mbrNo"),
        (b'{"rows": [{"mbrNo": "1", "\\udfff": "x"}]}', "rows[0]"),
        (b'{"rows": [{"mbrNo": "1", "gradeCd": "\\udc80\\u0041"}]}', "rows[0].gradeCd"),
    ],
)
@pytest.mark.parametrize("resource", ["members", "goods", "exhibitions"])
def test_nul_or_lone_surrogate_in_bulk_rows_is_400(api, raw, where, resource):
    r = api.generic("POST", f"{ADMIN}/{resource}/bulk/", raw, content_type="application/json")
    assert assert_shape(r, 400, "VALIDATION_ERROR")["fields"] == {where: [FORBIDDEN]}
    assert not Member.objects.exists()


def test_paired_surrogates_are_text(api):
    raw = '{"rows": [{"mbrNo": "100000009", "gradeCd": "10", "x": "\\ud83d\\ude00"}]}'
    r = api.generic("POST", f"{ADMIN}/members/bulk/", raw.encode(), content_type="application/json")
    assert r.status_code == 200, r.content


@pytest.mark.parametrize(
    "url, body",
    [
        ("/v1/marketing/cpnDown", {"promoNoList": ["C1000000\x00"]}),
        ("/v1/marketing/goodsDetailCpnList", {"goodsNo": "\ud800"}),
    ],
)
def test_nul_or_surrogate_in_member_json_is_400(member_auth, url, body):
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as \ud800
    r = Client(**member_auth).generic("POST", url, raw, content_type="application/json")
    assert_shape(r, 400, "VALIDATION_ERROR")


def test_nul_in_header_and_cookie_is_400(api):
    r = Client().get(f"{ADMIN}/members/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert assert_shape(r, 400)["fields"] == {"Authorization": [FORBIDDEN]}
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert_shape(client.get("/admin/"), 400)


def test_percent_encoded_surrogate_in_path_is_a_plain_404(api):
    # Undecodable UTF-8 in a path stays percent-encoded (Django): an unknown promoNo.
    assert_shape(api.get(f"{ADMIN}/promotions/%ED%A0%80/"), 404)


# -- headers ------------------------------------------------------------------------------------


def test_over_long_header_is_431(api):
    r = api.get(f"{ADMIN}/members/", HTTP_X_PADDING="a" * 20_000)
    body = assert_shape(r, 431, "HEADERS_TOO_LARGE")
    assert "8192" in body["message"]


# -- admin object ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/coupons/compensationrun/abc/change/",
        "/admin/coupons/compensationrun/999999/change/",
        "/admin/coupons/compensationrun/99999999999999999999999/change/",
        "/admin/coupons/promotion/NOPE/change/",
        "/admin/coupons/promotion/NOPE/history/",
        "/admin/coupons/promotion/NOPE/delete/",
        "/admin/coupons/membercoupon/abc/change/",
        "/admin/coupons/member/999/change/",
        "/admin/marketplaces/httpexchange/abc/change/",
        "/admin/jobs/job/-1/change/",
    ],
)
def test_unknown_or_malformed_admin_object_id_is_404(admin_client_, path):
    assert admin_client_.get(path).status_code == 404


def test_admin_object_id_check_reveals_nothing_to_anonymous():
    r = Client().get("/admin/coupons/compensationrun/abc/change/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_existing_admin_object_still_opens(admin_client_):
    make_member("100000077")
    assert admin_client_.get("/admin/coupons/member/100000077/change/").status_code == 200


# -- serializers --------------------------------------------------------------------------------


def test_patch_promotion_with_an_empty_target_is_400(api, root):
    promotion = services.promotion_create(user=root, data=promotion_data())
    r = api.patch(f"{ADMIN}/promotions/{promotion.promo_no}/", {"targets": [{}]}, format="json")
    body = assert_shape(r, 400, "VALIDATION_ERROR")
    assert body["fields"] == {
        "targets[0].aplyTypCd": ["이 필드는 필수 항목입니다."],
        "targets[0].tgtNo": ["이 필드는 필수 항목입니다."],
    }


def test_errors_on_list_items_are_named_by_their_path(api, root):
    promotion = services.promotion_create(user=root, data=promotion_data())
    r = api.patch(
        f"{ADMIN}/promotions/{promotion.promo_no}/",
        {"ordMediaCdList": ["10", "99"], "targets": [{"aplyTypCd": "04", "tgtNo": "x"}]},
        format="json",
    )
    body = assert_shape(r, 400, "VALIDATION_ERROR")
    assert sorted(body["fields"]) == ["ordMediaCdList[1]", "targets[0].aplyTypCd"]


# -- unknown API URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{ADMIN}/nothing-here/", "/v1/marketing/nothing", "/api/x"])
def test_unknown_api_url_is_404_in_the_error_shape(api, path):
    assert_shape(api.get(path), 404, "NOT_FOUND")


def test_messages_in_english_for_an_english_user(api):
    api.cookies["django_language"] = "en"
    r = api.generic("POST", f"{ADMIN}/members/bulk/", deep(40), content_type="application/json")
    assert assert_shape(r, 400)["message"] == "JSON may be nested at most 32 levels deep."
    r = api.get(f"{ADMIN}/members/", {"mbrNo": "\x00"})
    assert (
        assert_shape(r, 400)["message"] == "NUL characters and unpaired surrogates cannot be sent."
    )
