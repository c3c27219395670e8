"""The ESM client against the sandbox on loopback: the token, the four sponsorship calls, the
price, both error casings, a bad token and a retired API."""

from datetime import date

import jwt
import pytest

from marketplaces.esm import sandbox as sandbox_esm
from marketplaces.esm.client import (
    AuctionSponsorship,
    EsmApiRetired,
    EsmClient,
    EsmRefusal,
    GmarketSponsorship,
    Sponsorship,
    parse_field,
    token,
)
from marketplaces.http import CredentialsError
from marketplaces.models import HttpExchange

pytestmark = pytest.mark.django_db

GOODS = "1765352303"


def settings_body(amount=1000, field=6, auction=True) -> Sponsorship:
    return Sponsorship(
        gmarket=GmarketSponsorship(
            is_use=True,
            amount=amount,
            max_amount=50_000,
            field=field,
            start_date=date(2026, 5, 1),
            end_date=date(2026, 5, 31),
        ),
        auction=AuctionSponsorship(
            is_use=auction, start_date=date(2026, 5, 1), end_date=date(2026, 6, 30)
        ),
    )


def test_token_header_and_claims_exactly_as_documented():
    value = token(
        master_id="master-1",
        secret_key="s3cret",
        gmarket_seller_id="gm-1",
        auction_seller_id="iac-1",
        issuer="www.esmplus.com",
        now=1_760_000_000,
    )

    assert jwt.get_unverified_header(value) == {"alg": "HS256", "typ": "JWT", "kid": "master-1"}
    claims = jwt.decode(
        value,
        "s3cret",
        algorithms=["HS256"],
        audience="sa.esmplus.com",
        options={"verify_iat": False},
    )
    assert claims == {
        "iss": "www.esmplus.com",
        "sub": "sell",
        "aud": "sa.esmplus.com",
        "iat": 1_760_000_000,
        "ssi": "A:iac-1,G:gm-1",
    }
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(value, "other", algorithms=["HS256"], audience="sa.esmplus.com")


def test_client_signs_every_request_with_a_fresh_token_from_settings(settings):
    settings.ESM_MASTER_ID, settings.ESM_SECRET_KEY = "m-9", "k-9"
    settings.ESM_GMARKET_SELLER_ID, settings.ESM_AUCTION_SELLER_ID = "g-9", "a-9"
    client = EsmClient()
    header = client.sign("GET", "/item/v1/goods/1/price", "")["Authorization"]
    scheme, _, bearer = header.partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(bearer)["kid"] == "m-9"
    claims = jwt.decode(bearer, "k-9", algorithms=["HS256"], audience="sa.esmplus.com")
    assert claims["ssi"] == "A:a-9,G:g-9" and claims["sub"] == "sell"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1, 1),
        (5, 5),
        (6, 6),
        (99, 6),
        ("99", 6),
        ("3", 3),
        ("Etc", 6),
        ("ChildWelfare", 1),
        ("CONSUMER_RIGHTS", 5),
        ("Unknown", None),
        (None, None),
        (0, None),
        (7, None),
    ],
)
def test_field_read_back_as_number_99_or_name(raw, expected):
    assert parse_field(raw) == expected


@pytest.mark.parametrize("field_format", ["name", "number"])
def test_register_read_modify_release_read(sandbox, field_format):
    sandbox.configure("esm", field_format=field_format)
    client = EsmClient()

    assert client.register(GOODS, settings_body(amount=1000, field=6)) == int(GOODS)
    stored = sandbox_esm.stored(sandbox.state, GOODS)
    assert stored["gmarket"] == {
        "isUse": True,
        "amount": 1000,
        "maxAmount": 50_000,
        "field": 6,
        "startDate": "2026-05-01",
        "endDate": "2026-05-31",
    }

    read = client.read(GOODS)
    assert read.raw["gmarket"]["field"] == (99 if field_format == "number" else "Etc")
    assert read == settings_body(amount=1000, field=6)  # 99 / "Etc" read as 6
    assert read.registered

    assert client.modify(GOODS, settings_body(amount=2000, field=3, auction=False)) == int(GOODS)
    assert client.read(GOODS) == settings_body(amount=2000, field=3, auction=False)

    assert client.release(GOODS) == int(GOODS)
    assert sandbox_esm.stored(sandbox.state, GOODS) is None
    assert not client.read(GOODS).registered

    calls = list(HttpExchange.objects.order_by("id").values_list("method", "status_code"))
    assert calls == [
        ("POST", 200),
        ("GET", 200),
        ("PUT", 200),
        ("GET", 200),
        ("DELETE", 200),
        ("GET", 200),
    ]


def test_price_read_is_deterministic_and_settable(sandbox):
    client = EsmClient()
    derived = sandbox_esm.derived_price(GOODS)
    price = client.read_price(GOODS)
    assert (price.gmkt, price.iac) == (derived["gmkt"], derived["iac"])
    sandbox_esm.set_price(sandbox.state, GOODS, 23_000, 24_000)
    price = client.read_price(GOODS)
    assert (price.gmkt, price.iac) == (23_000, 24_000)


@pytest.mark.parametrize("casing", ["camel", "pascal"])
def test_refusals_in_both_casings_carry_esms_words(sandbox, casing):
    sandbox.configure("esm", error_casing=casing)
    client = EsmClient()
    client.register(GOODS, settings_body())

    with pytest.raises(EsmRefusal) as caught:
        client.register(GOODS, settings_body())  # already registered
    body = caught.value.body
    assert ('"ResultCode": 1000' in body) == (casing == "pascal")
    assert caught.value.result_code == 1000
    assert caught.value.message == "[1000] 이미 후원/나눔쇼핑이 등록된 상품입니다."

    with pytest.raises(EsmRefusal) as caught:
        client.read("0123")
    assert caught.value.message == "[1000] 상품 번호가 잘 못 되었습니다.(GoodsMaster)"


def test_bad_token_is_a_credentials_problem_and_no_secret_is_logged(sandbox, settings):
    sandbox.configure("esm", secret_key="the-account-rotated-its-key")
    client = EsmClient()
    with pytest.raises(CredentialsError) as caught:
        client.register(GOODS, settings_body())
    assert caught.value.status == 401
    assert caught.value.message == "The user does not have right access to the api"
    assert sandbox_esm.stored(sandbox.state, GOODS) is None
    # the sponsorship call, then the price API asked with the same kind of token: refused too
    rows = list(HttpExchange.objects.order_by("id"))
    assert [(r.method, r.status_code) for r in rows] == [("POST", 401), ("GET", 401)]
    for row in rows:
        assert row.request_headers["Authorization"] == "***"
        assert settings.ESM_SECRET_KEY not in str(row.request_headers) + row.request_body


def test_retired_api_is_told_from_a_bad_token(sandbox):
    sandbox.inject("esm", "retired", times=10, path_contains="/customer-benefit/sponsorship")
    client = EsmClient()
    with pytest.raises(EsmApiRetired) as caught:
        client.register(GOODS, settings_body())
    assert "ESM has retired the sponsorship API" in caught.value.message
    assert [
        (r.method, r.path.rsplit("/", 1)[-1], r.status_code)
        for r in HttpExchange.objects.order_by("id")
    ] == [("POST", "sponsorship", 401), ("GET", "price", 200)]


@pytest.mark.parametrize("status", [404, 410])
def test_gone_endpoint_is_retired(sandbox, status):
    sandbox.inject("esm", "5xx", times=1, status=status)  # a bare error body, no resultCode
    with pytest.raises(EsmApiRetired):
        EsmClient().read(GOODS)


@pytest.mark.parametrize("casing", ["camel", "pascal"])
@pytest.mark.parametrize("status", [400, 200])
def test_a_read_refused_as_nothing_registered_is_not_registered(sandbox, casing, status):
    """MARKETPLACES.md: a GET of a goods with nothing registered may answer a 1000 refusal whose
    words say so ("…등록 되어 있지 않습니다"): read as "not registered", not as a failure."""
    sandbox.configure("esm", unregistered_read="refusal", error_casing=casing, error_status=status)

    remote = EsmClient().read(GOODS)

    assert remote.registered is False
    assert (remote.gmarket.is_use, remote.auction.is_use) == (False, False)
    key = "ResultCode" if casing == "pascal" else "resultCode"
    assert remote.raw[key] == 1000  # what ESM answered is kept
    [exchange] = HttpExchange.objects.all()
    assert exchange.status_code == status
    assert sandbox_esm.MSG_READ_NOT_REGISTERED in exchange.response_body


def test_a_read_of_a_registered_goods_is_unchanged_by_the_refusal_mode(sandbox):
    sandbox.configure("esm", unregistered_read="refusal")
    client = EsmClient()
    client.register(GOODS, settings_body())
    assert client.read(GOODS).registered is True


def test_other_1000_refusals_on_a_read_are_still_failures(sandbox):
    sandbox.configure("esm", unregistered_read="refusal", foreign_goods=[GOODS])
    with pytest.raises(EsmRefusal) as caught:
        EsmClient().read(GOODS)
    assert caught.value.message == "[1000] 해당 판매자의 상품이 아닙니다"


@pytest.mark.parametrize(
    "code, message, not_registered",
    [
        (1000, "판매자할인 정보가 등록 되어 있지 않습니다.", True),
        (1000, "후원쇼핑이 등록되어 있지 않습니다", True),
        (3000, "후원/나눔쇼핑 정보가 등록 되어 있지 않습니다.", False),
        (1000, "상품 번호가 잘 못 되었습니다.(GoodsMaster)", False),
    ],
)
def test_which_refusals_say_nothing_is_registered(code, message, not_registered):
    refusal = EsmRefusal(f"[{code}] {message}", result_code=code, status=400)
    assert refusal.says_not_registered is not_registered
