"""ESM Plus (Gmarket / Auction) client: sponsorship settings, seller discounts (판매자할인) and the
goods price (MARKETPLACES.md).

Requests in, typed results out. Every request carries a fresh HS256 token. Parsing is tolerant
where ESM is: a refusal is `{"resultCode", "message"}` or `{"ResultCode", "Message"}`, the
Gmarket field comes back as 99 for 6 or as a name (`"Unknown"` when unset), dates may carry a time.

ESM announced the end of the sponsorship API on 2026-04-16. A live service that switched it off
answers 404 / 410, or the 401 permission body it also gives a bad token; the two 401s are told
apart by asking the price API, which still runs, with the same kind of token: if that one is
accepted, the keys are fine and the sponsorship API is gone (`EsmApiRetired`).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jwt
from django.conf import settings

from marketplaces.http import CredentialsError, FinalError, MarketplaceClient, PlainFinalError

AUDIENCE = "sa.esmplus.com"  # fixed by ESM although requests go to sa2.esmplus.com
SUBJECT = "sell"
SPONSORSHIP_PATH = "/item/v1/goods/{goods_no}/customer-benefit/sponsorship"
PRICE_PATH = "/item/v1/goods/{goods_no}/price"
SELLER_DISCOUNT_PATH = "/item/v1/goods/{goods_no}/seller-discounts"
RETIRED_MESSAGE = (
    "ESM has retired the sponsorship API (ESM이 후원/나눔쇼핑 API 제공을 종료했습니다)."
)

# A read of a goods with nothing registered may be a 1000 refusal saying so ("…등록 되어 있지
# 않습니다", spacing aside): that is "not registered", not a failure (MARKETPLACES.md).
NOT_REGISTERED_CODE = 1000
NOT_REGISTERED_WORDS = "등록되어있지않"

# Gmarket 후원분야. ESM reads 6 back as 99 and may answer names instead of numbers.
FIELD_OTHER = 6
FIELD_NAMES = {
    "childwelfare": 1,
    "child": 1,
    "children": 1,
    "womenrights": 2,
    "womensrights": 2,
    "women": 2,
    "environment": 3,
    "environmentprotection": 3,
    "environmental": 3,
    "internationalrelief": 4,
    "relief": 4,
    "international": 4,
    "consumerrights": 5,
    "consumer": 5,
    "etc": 6,
    "other": 6,
    "others": 6,
}


# --- the token (MARKETPLACES.md "Signing every request") ----------------------------------------
def token(
    *,
    master_id: str,
    secret_key: str,
    gmarket_seller_id: str,
    auction_seller_id: str,
    issuer: str = "www.esmplus.com",
    now: float | None = None,
) -> str:
    """An HS256 JWT: header kid = master id; claims iss, sub "sell", aud, iat and ssi."""
    claims = {
        "iss": issuer,
        "sub": SUBJECT,
        "aud": AUDIENCE,
        "iat": int(now if now is not None else time.time()),
        "ssi": f"A:{auction_seller_id},G:{gmarket_seller_id}",
    }
    return jwt.encode(
        claims, secret_key, algorithm="HS256", headers={"typ": "JWT", "kid": master_id}
    )


# --- typed values -------------------------------------------------------------------------------
def parse_field(value: Any) -> int | None:
    """1–6 from a number, a numeric string, 99 (read back for 6) or a name; None when unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if number == 99:
            return FIELD_OTHER
        return number if 1 <= number <= 6 else None
    key = re.sub(r"[^a-z]", "", str(value).lower())
    return FIELD_NAMES.get(key)


def parse_date(value: Any) -> date | None:
    """`YYYY-MM-DD`, also with a time or as `YYYYMMDD`; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    for candidate in (text[:10], f"{text[:4]}-{text[4:6]}-{text[6:8]}"):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def parse_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def parse_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "y", "yes", "1")
    return bool(value)


def _get(data: dict, *names: str) -> Any:
    """The first present key among `names`, ignoring case (ESM mixes camelCase and PascalCase)."""
    if not isinstance(data, dict):
        return None
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class GmarketSponsorship:
    """지마켓 후원쇼핑."""

    is_use: bool
    amount: int | None = None
    max_amount: int | None = None
    field: int | None = None
    start_date: date | None = None
    end_date: date | None = None

    def to_json(self) -> dict:
        return {
            "isUse": self.is_use,
            "amount": self.amount,
            "maxAmount": self.max_amount,
            "field": self.field,
            "startDate": _iso(self.start_date),
            "endDate": _iso(self.end_date),
        }

    @classmethod
    def from_json(cls, data: Any) -> GmarketSponsorship:
        data = data if isinstance(data, dict) else {}
        return cls(
            is_use=parse_bool(_get(data, "isUse")),
            amount=parse_int(_get(data, "amount")),
            max_amount=parse_int(_get(data, "maxAmount")),
            field=parse_field(_get(data, "field")),
            start_date=parse_date(_get(data, "startDate")),
            end_date=parse_date(_get(data, "endDate")),
        )


@dataclass(frozen=True)
class AuctionSponsorship:
    """옥션 나눔쇼핑 (the donation is fixed at 50 KRW per unit sold)."""

    is_use: bool
    start_date: date | None = None
    end_date: date | None = None

    def to_json(self) -> dict:
        return {
            "isUse": self.is_use,
            "startDate": _iso(self.start_date),
            "endDate": _iso(self.end_date),
        }

    @classmethod
    def from_json(cls, data: Any) -> AuctionSponsorship:
        data = data if isinstance(data, dict) else {}
        return cls(
            is_use=parse_bool(_get(data, "isUse")),
            start_date=parse_date(_get(data, "startDate")),
            end_date=parse_date(_get(data, "endDate")),
        )


@dataclass(frozen=True)
class Sponsorship:
    """Both blocks as sent to, or read from, ESM."""

    gmarket: GmarketSponsorship
    auction: AuctionSponsorship
    raw: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {"gmarket": self.gmarket.to_json(), "auction": self.auction.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> Sponsorship:
        data = data if isinstance(data, dict) else {}
        return cls(
            gmarket=GmarketSponsorship.from_json(_get(data, "gmarket", "gmkt")),
            auction=AuctionSponsorship.from_json(_get(data, "auction", "iac")),
            raw=data,
        )

    @property
    def registered(self) -> bool:
        """Whether anything is in use on ESM's side."""
        return self.gmarket.is_use or self.auction.is_use

    @classmethod
    def nothing(cls, raw: dict | None = None) -> Sponsorship:
        """Nothing registered: both blocks off (`raw`: what ESM answered)."""
        return cls(
            gmarket=GmarketSponsorship(is_use=False),
            auction=AuctionSponsorship(is_use=False),
            raw=raw or {},
        )


@dataclass(frozen=True)
class GoodsPrice:
    """The goods' sale price on each site (`gmkt` is the one the 80 % rule uses)."""

    gmkt: int | None
    iac: int | None
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SiteDiscount:
    """One site's seller discount (판매자할인): type 0 none, 1 fixed amount (KRW), 2 rate (%)."""

    type: int = 0
    price_or_rate1: int | None = None
    price_or_rate2: int | None = None
    start_date: date | None = None
    end_date: date | None = None

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "priceOrRate1": self.price_or_rate1,
            "priceOrRate2": self.price_or_rate2,
            "startDate": _iso(self.start_date),
            "endDate": _iso(self.end_date),
        }

    @classmethod
    def from_json(cls, data: Any) -> SiteDiscount:
        """Tolerant: numbers as strings, a type given as a name, 0 read as "no value", dates with
        a time; a site without a type is type 0 with nothing else."""
        data = data if isinstance(data, dict) else {}
        kind = parse_discount_type(_get(data, "type"))
        if not kind:
            return cls()
        return cls(
            type=kind,
            price_or_rate1=parse_int(_get(data, "priceOrRate1")) or None,
            price_or_rate2=parse_int(_get(data, "priceOrRate2")) or None,
            start_date=parse_date(_get(data, "startDate")),
            end_date=parse_date(_get(data, "endDate")),
        )


DISCOUNT_TYPE_NAMES = {"none": 0, "notuse": 0, "price": 1, "amount": 1, "fixed": 1, "rate": 2}


def parse_discount_type(value: Any) -> int:
    """0 / 1 / 2 from a number, a numeric string or a name; 0 when absent or unknown."""
    if value is None or isinstance(value, bool):
        return 0
    number = parse_int(value)
    if number is None:
        number = DISCOUNT_TYPE_NAMES.get(re.sub(r"[^a-z]", "", str(value).lower()), 0)
    return number if number in (0, 1, 2) else 0


@dataclass(frozen=True)
class SellerDiscount:
    """A goods' seller discount as sent to, or read from, ESM."""

    is_use: bool
    gmkt: SiteDiscount = field(default_factory=SiteDiscount)
    iac: SiteDiscount = field(default_factory=SiteDiscount)
    raw: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {
            "sellerDiscount": {
                "isUse": self.is_use,
                "gmkt": self.gmkt.to_json(),
                "iac": self.iac.to_json(),
            }
        }

    @classmethod
    def from_json(cls, data: Any) -> SellerDiscount:
        """The body wrapped in `sellerDiscount` or bare; `gmarket` / `auction` also read."""
        data = data if isinstance(data, dict) else {}
        inner = _get(data, "sellerDiscount")
        inner = inner if isinstance(inner, dict) else data
        return cls(
            is_use=parse_bool(_get(inner, "isUse")),
            gmkt=SiteDiscount.from_json(_get(inner, "gmkt", "gmarket")),
            iac=SiteDiscount.from_json(_get(inner, "iac", "auction")),
            raw=data,
        )

    @property
    def registered(self) -> bool:
        """Whether ESM holds a discount on either site (in use or not)."""
        return bool(self.gmkt.type or self.iac.type)

    @classmethod
    def nothing(cls, raw: dict | None = None) -> SellerDiscount:
        """Nothing registered."""
        return cls(is_use=False, raw=raw or {})


# --- errors -----------------------------------------------------------------------------------
class EsmRefusal(FinalError):
    """ESM refused with `resultCode` (1000 business rule, 3000 malformed request)."""

    def __init__(
        self, message: str, *, result_code: int | None, status: int | None = None, body: str = ""
    ):
        super().__init__(message, status=status, body=body)
        self.result_code = result_code

    @property
    def says_not_registered(self) -> bool:
        """A 1000 refusal whose words say nothing is registered for the goods."""
        words = re.sub(r"\s+", "", self.message)
        return self.result_code == NOT_REGISTERED_CODE and NOT_REGISTERED_WORDS in words


class EsmApiRetired(PlainFinalError):
    """ESM switched the sponsorship API off: a final, plainly worded failure."""

    def __init__(self, message: str = RETIRED_MESSAGE):
        super().__init__(message)


def result_code(data: Any) -> int | None:
    """`resultCode` / `ResultCode` of a failure body; None for a success or another shape."""
    code = parse_int(_get(data, "resultCode")) if isinstance(data, dict) else None
    return code or None  # 0 means success where an API sends it


def refusal_message(data: Any, text: str) -> str:
    """ESM's own words: `message` / `Message`, or the gateway's `status.message`."""
    if isinstance(data, dict):
        message = _get(data, "message", "errorMessage")
        if message:
            return str(message)
        status = _get(data, "status")
        if isinstance(status, dict) and _get(status, "message"):
            return str(_get(status, "message"))
    return text[:500] or "(empty response)"


# --- the client -------------------------------------------------------------------------------
class EsmClient(MarketplaceClient):
    """ESM Trading API: register (POST), modify (PUT), release (DELETE), read (GET), price."""

    marketplace = "esm"

    def base_url(self) -> str:
        return settings.ESM_BASE_URL or super().base_url()

    def sign(self, method: str, path: str, query: str) -> dict[str, str]:
        bearer = token(
            master_id=settings.ESM_MASTER_ID,
            secret_key=settings.ESM_SECRET_KEY,
            gmarket_seller_id=settings.ESM_GMARKET_SELLER_ID,
            auction_seller_id=settings.ESM_AUCTION_SELLER_ID,
            issuer=settings.ESM_ISSUER or "www.esmplus.com",
        )
        return {"Authorization": f"Bearer {bearer}"}

    def secrets(self) -> list[str]:
        return [settings.ESM_SECRET_KEY]

    def error_message(self, data: Any, text: str) -> str:
        return refusal_message(data, text)

    def classify(self, status: int, data: Any, text: str, headers: dict[str, str]) -> None:
        code = result_code(data)
        if code is not None and 400 <= status < 500 and status not in (401, 429):
            prefix = f"[{code}] " if code else ""
            raise EsmRefusal(
                f"{prefix}{refusal_message(data, text)}", result_code=code, status=status, body=text
            )
        super().classify(status, data, text, headers)

    def _checked(self, response) -> Any:
        """The body of a 2xx answer; a 2xx carrying a failure body is still a refusal."""
        data = response.data
        code = result_code(data)
        if code is not None:
            raise EsmRefusal(
                f"[{code}] {refusal_message(data, response.text)}",
                result_code=code,
                status=response.status,
                body=response.text,
            )
        return data

    def _sponsorship(self, method: str, goods_no: str, body: dict | None = None) -> Any:
        path = SPONSORSHIP_PATH.format(goods_no=goods_no)
        try:
            return self._checked(self.request(method, path, json=body))
        except CredentialsError:
            if self._token_accepted(goods_no):
                raise EsmApiRetired() from None
            raise
        except FinalError as exc:
            # 410, or a 404 that is not one of ESM's own refusals: the route is gone.
            if exc.status == 410 or (exc.status == 404 and result_code_of_body(exc.body) is None):
                raise EsmApiRetired() from exc
            raise

    def _token_accepted(self, goods_no: str) -> bool:
        """Whether the price API (still in service) accepts our token: tells a retired
        sponsorship API from bad keys when both answer ESM's 401 permission body."""
        try:
            self.read_price(goods_no)
        except CredentialsError:
            return False
        except FinalError:
            return True  # refused for another reason: the token itself was accepted
        return True

    def register(self, goods_no: str, sponsorship: Sponsorship) -> int | None:
        """POST: the first registration. Returns ESM's goodsNo."""
        data = self._sponsorship("POST", goods_no, sponsorship.to_json())
        return parse_int(_get(data or {}, "goodsNo"))

    def modify(self, goods_no: str, sponsorship: Sponsorship) -> int | None:
        """PUT: change a registered sponsorship. Returns ESM's goodsNo."""
        data = self._sponsorship("PUT", goods_no, sponsorship.to_json())
        return parse_int(_get(data or {}, "goodsNo"))

    def release(self, goods_no: str) -> int | None:
        """DELETE (no body): release both blocks. Returns ESM's goodsNo."""
        data = self._sponsorship("DELETE", goods_no)
        return parse_int(_get(data or {}, "goodsNo"))

    def read(self, goods_no: str) -> Sponsorship:
        """GET: the stored settings, parsed (field 99 / names read as 6 / 1–5). Nothing
        registered, whether answered as both blocks off or as ESM's 1000 "…등록 되어 있지
        않습니다" refusal, is `Sponsorship.nothing()`; other refusals raise EsmRefusal."""
        try:
            return Sponsorship.from_json(self._sponsorship("GET", goods_no))
        except EsmRefusal as exc:
            if not exc.says_not_registered:
                raise
            return Sponsorship.nothing(raw=_body_json(exc.body))

    def read_price(self, goods_no: str) -> GoodsPrice:
        """GET …/price: `{"gmkt", "iac"}`, the sale price on each site."""
        data = self._checked(self.request("GET", PRICE_PATH.format(goods_no=goods_no))) or {}
        return GoodsPrice(
            gmkt=parse_int(_get(data, "gmkt")),
            iac=parse_int(_get(data, "iac")),
            raw=data if isinstance(data, dict) else {},
        )

    # --- seller discounts (판매자할인): live, no retirement to detect ---------------------------
    def _seller_discount(self, method: str, goods_no: str, body: dict | None = None) -> Any:
        path = SELLER_DISCOUNT_PATH.format(goods_no=goods_no)
        return self._checked(self.request(method, path, json=body))

    def save_seller_discount(self, goods_no: str, discount: SellerDiscount) -> int | None:
        """POST: registers, or modifies what ESM holds (the same call). Returns ESM's goodsNo."""
        data = self._seller_discount("POST", goods_no, discount.to_json())
        return parse_int(_get(data or {}, "goodsNo"))

    def release_seller_discount(self, goods_no: str) -> int | None:
        """DELETE: release both sites' discount. Returns ESM's goodsNo."""
        data = self._seller_discount("DELETE", goods_no)
        return parse_int(_get(data or {}, "goodsNo"))

    def read_seller_discount(self, goods_no: str) -> SellerDiscount:
        """GET: what ESM holds, parsed; ESM's 1000 "…등록 되어 있지 않습니다" refusal is
        `SellerDiscount.nothing()`; other refusals raise EsmRefusal."""
        try:
            return SellerDiscount.from_json(self._seller_discount("GET", goods_no))
        except EsmRefusal as exc:
            if not exc.says_not_registered:
                raise
            return SellerDiscount.nothing(raw=_body_json(exc.body))


def _body_json(text: str) -> dict:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def result_code_of_body(text: str) -> int | None:
    """`resultCode` of a raw failure body, when it is one of ESM's."""
    return result_code(_body_json(text))
