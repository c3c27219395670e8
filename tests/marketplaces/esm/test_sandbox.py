"""The ESM half of the sandbox over raw HTTP: exact token checks, 1000 / 3000 refusals, casing,
stored bodies read back with 99 or names, and the retired switch."""

import json
import time
import urllib.error
import urllib.request

import jwt
import pytest

from marketplaces.esm.client import token

GOODS = "1765352303"
PATH = f"/item/v1/goods/{GOODS}/customer-benefit/sponsorship"
PERMISSION = {
    "status": {"message": "The user does not have right access to the api", "status_code": 401}
}


def good_token(settings, **claims) -> str:
    value = token(
        master_id=settings.ESM_MASTER_ID,
        secret_key=settings.ESM_SECRET_KEY,
        gmarket_seller_id=settings.ESM_GMARKET_SELLER_ID,
        auction_seller_id=settings.ESM_AUCTION_SELLER_ID,
        issuer=settings.ESM_ISSUER,
    )
    if not claims:
        return value
    payload = jwt.decode(value, options={"verify_signature": False})
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(
        payload,
        settings.ESM_SECRET_KEY,
        algorithm="HS256",
        headers={"typ": "JWT", "kid": settings.ESM_MASTER_ID},
    )


def call(sandbox, method, path=PATH, body=None, bearer=None, raw=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    request = urllib.request.Request(
        f"{sandbox.base_url}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def valid_body(**gmarket):
    return {
        "gmarket": {
            "isUse": True,
            "amount": 500,
            "maxAmount": 10_000,
            "field": 2,
            "startDate": "2026-12-01",
            "endDate": "2026-12-01",
            **gmarket,
        },
        "auction": {"isUse": False},
    }


def test_a_good_token_is_accepted(sandbox, settings):
    assert call(sandbox, "POST", body=valid_body(), bearer=good_token(settings)) == (
        200,
        {"goodsNo": int(GOODS)},
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "sa2.esmplus.com"},
        {"sub": "buy"},
        {"iss": "example.com"},
        {"ssi": "G:sandbox-gmkt"},
        {"ssi": "A:sandbox-gmkt,G:sandbox-iac"},
        {"iat": int(time.time()) - 3600},
        {"iat": None},
    ],
)
def test_a_token_off_by_one_claim_gets_the_401_body(sandbox, settings, claims):
    assert call(sandbox, "GET", bearer=good_token(settings, **claims)) == (401, PERMISSION)


def test_wrong_kid_secret_algorithm_or_no_token_get_the_401_body(sandbox, settings):
    claims = jwt.decode(good_token(settings), options={"verify_signature": False})
    wrong_kid = jwt.encode(
        claims, settings.ESM_SECRET_KEY, algorithm="HS256", headers={"kid": "someone-else"}
    )
    wrong_secret = jwt.encode(
        claims, "not-the-secret", algorithm="HS256", headers={"kid": settings.ESM_MASTER_ID}
    )
    hs512 = jwt.encode(
        claims, settings.ESM_SECRET_KEY, algorithm="HS512", headers={"kid": settings.ESM_MASTER_ID}
    )
    for bearer in (wrong_kid, wrong_secret, hs512, None, "garbage"):
        assert call(sandbox, "GET", bearer=bearer) == (401, PERMISSION)


@pytest.mark.parametrize(
    "gmarket, message",
    [
        ({"amount": 99}, "후원금액은 100원 이상 등록 가능합니다."),
        ({"amount": 1_000_000}, "후원금액은 판매가 80% 까지 설정 가능합니다."),
        ({"maxAmount": 9_999}, "누적적립한도액은 10,000원 이상만 등록 가능합니다."),
        ({"field": 99}, "후원분야가 올바르지 않습니다."),
        ({"endDate": "2026-11-30"}, "후원 시작일은 종료일보다 늦을 수 없습니다."),
        ({"isUse": False}, "후원쇼핑 또는 나눔쇼핑 중 하나 이상 사용해야 합니다."),
    ],
)
def test_business_rules_answer_1000(sandbox, settings, gmarket, message):
    status, body = call(sandbox, "POST", body=valid_body(**gmarket), bearer=good_token(settings))
    assert (status, body) == (400, {"resultCode": 1000, "message": message})
    assert sandbox.snapshot("esm").get("sponsorships", {}) == {}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b'{"gmarket": {}}',
        json.dumps(valid_body(startDate="2026/12/01")).encode(),
        json.dumps(valid_body(amount="500")).encode(),
    ],
)
def test_malformed_requests_answer_3000(sandbox, settings, raw):
    status, body = call(sandbox, "POST", raw=raw, bearer=good_token(settings))
    assert status == 400 and body["resultCode"] == 3000


def test_pascal_case_and_goods_checks(sandbox, settings):
    sandbox.configure("esm", error_casing="pascal", foreign_goods=[GOODS])
    bearer = good_token(settings)
    assert call(sandbox, "GET", bearer=bearer) == (
        400,
        {"ResultCode": 1000, "Message": "해당 판매자의 상품이 아닙니다"},
    )
    assert call(sandbox, "GET", path="/item/v1/goods/abc/price", bearer=bearer) == (
        400,
        {"ResultCode": 1000, "Message": "상품 번호가 잘 못 되었습니다.(GoodsMaster)"},
    )
    assert call(
        sandbox,
        "PUT",
        path="/item/v1/goods/42/customer-benefit/sponsorship",
        body=valid_body(),
        bearer=bearer,
    ) == (400, {"ResultCode": 1000, "Message": "등록된 후원/나눔쇼핑 정보가 없습니다."})


@pytest.mark.parametrize(
    "field_format, field, unset", [("name", "Etc", "Unknown"), ("number", 99, 0)]
)
def test_get_reads_6_back_as_99_or_a_name(sandbox, settings, field_format, field, unset):
    sandbox.configure("esm", field_format=field_format)
    bearer = good_token(settings)
    assert call(sandbox, "GET", bearer=bearer)[1]["gmarket"]["field"] == unset
    call(sandbox, "POST", body=valid_body(field=6), bearer=bearer)
    status, body = call(sandbox, "GET", bearer=bearer)
    assert status == 200 and body["gmarket"]["field"] == field
    assert sandbox.snapshot("esm")["sponsorships"][GOODS]["gmarket"]["field"] == 6


def test_prices_can_be_set_over_http(sandbox, settings):
    assert (
        call(
            sandbox,
            "POST",
            path="/_sandbox/config",
            body={"target": "esm", "settings": {"prices": {GOODS: 7_000}}},
        )[0]
        == 200
    )
    assert call(
        sandbox, "GET", path=f"/item/v1/goods/{GOODS}/price", bearer=good_token(settings)
    ) == (200, {"gmkt": 7_000, "iac": 7_000})


def test_retired_switch_answers_the_sponsorship_api_only(sandbox, settings):
    sandbox.configure("esm", retired=True)
    bearer = good_token(settings)
    assert call(sandbox, "POST", body=valid_body(), bearer=bearer) == (401, PERMISSION)
    status, price = call(sandbox, "GET", path=f"/item/v1/goods/{GOODS}/price", bearer=bearer)
    assert status == 200 and set(price) == {"gmkt", "iac"}
