"""The ESM half of the sandbox: sponsorship settings, seller discounts and goods prices
(MARKETPLACES.md, ESM).

Served by `marketplaces.sandbox.server` for every path under `/item/v1/`:

    POST/PUT/DELETE/GET /item/v1/goods/{goodsNo}/customer-benefit/sponsorship
    POST/DELETE/GET     /item/v1/goods/{goodsNo}/seller-discounts   (POST registers or modifies)
    GET                 /item/v1/goods/{goodsNo}/price          -> {"gmkt", "iac"}

Every request must carry `Authorization: Bearer <JWT>` exactly as the contract says (HS256, kid =
master id, iss, sub "sell", aud "sa.esmplus.com", a fresh iat, ssi "A:<auction>,G:<gmarket>"),
checked against the Django settings `ESM_*`; otherwise 401 with ESM's permission body.

State (`req.bucket`, i.e. `state.data["esm"]`): `sponsorships` {goodsNo: body as stored},
`prices` {goodsNo: {"gmkt", "iac"}}. A goods with no price set gets one derived from its number,
so any numeric goodsNo "exists". Settings (`POST /_sandbox/config {"target": "esm", "settings":
{...}}` or `handle.configure("esm", ...)`):

    error_casing   "camel" (default): {"resultCode","message"}; "pascal": {"ResultCode","Message"}
    error_status   HTTP status of a resultCode refusal (default 400)
    field_format   "name" (default, as the seed's GET sample: "ChildWelfare" … "Etc", "Unknown"
                   when unset) or "number" (1–5, and 99 for 6)
    prices         {goodsNo: gmkt price or {"gmkt", "iac"}}: prices set over HTTP
    foreign_goods  [goodsNo, …]: goods of another seller ("해당 판매자의 상품이 아닙니다")
    retired        true: the sponsorship API answers as switched off (as the `retired` fault)
    unregistered_read  how GET answers a goods with nothing registered: "blocks_off" (default:
                   200 with both blocks off) or "refusal" (a 1000 refusal,
                   `MSG_READ_NOT_REGISTERED`, in `error_casing` at `error_status`); both are
                   documented and unsure
    master_id, secret_key, issuer, gmarket_seller_id, auction_seller_id
                   the account's keys when they differ from the `ESM_*` settings (a bad token)

    discount_unregistered_read  how GET of seller-discounts answers a goods with nothing
                   registered: "refusal" (default: 1000 `MSG_DISCOUNT_NOT_REGISTERED`) or "off"
                   (200 with isUse false and both sites type 0)
    discount_read_shape  "wrapped" (default: `{"sellerDiscount": {...}}`) or "bare" (the inner
                   object alone), both read by the client
    discount_dates_with_time  true: GET answers dates as "YYYY-MM-DD 00:00:00"

Seller discounts (`seller_discounts` {goodsNo: {"isUse", "gmkt", "iac"}} as stored): the rules of
MARKETPLACES.md with ESM-like messages (type 1 at least 100 KRW in 10 KRW steps, value 1 + value
2 at most 70 % of that site's price; type 2 rates 1–70 and together at most 70; start ≤ end).
`stored_discount` / `store_discount` read and change it "behind our back" (a seller in ESM Plus).
Every applied write is counted in `discount_writes` {goodsNo: n}.

Retired (`retired_response`): ESM's documented refusal for an API the keys may no longer use,
401 with the permission body, on the sponsorship path only; the price API keeps answering.
"""

from __future__ import annotations

import copy
import re
import time
from datetime import date

import jwt

from marketplaces.sandbox.server import SandboxRequest, SandboxResponse, SandboxState, SandboxTarget

AUDIENCE = "sa.esmplus.com"
SPONSORSHIP = re.compile(r"^/item/v1/goods/(?P<goods_no>[^/]+)/customer-benefit/sponsorship/?$")
PRICE = re.compile(r"^/item/v1/goods/(?P<goods_no>[^/]+)/price/?$")
SELLER_DISCOUNT = re.compile(r"^/item/v1/goods/(?P<goods_no>[^/]+)/seller-discounts/?$")
TOKEN_MAX_AGE = 300  # seconds either side of now: a token is made fresh for each request

FIELD_NAMES = {
    1: "ChildWelfare",
    2: "WomenRights",
    3: "Environment",
    4: "InternationalRelief",
    5: "ConsumerRights",
    6: "Etc",
}
UNSET_FIELD_NAME = "Unknown"

PERMISSION_BODY = {
    "status": {"message": "The user does not have right access to the api", "status_code": 401}
}

MSG_GOODS = "상품 번호가 잘 못 되었습니다.(GoodsMaster)"
MSG_FOREIGN = "해당 판매자의 상품이 아닙니다"
MSG_MALFORMED = "요청 형식이 올바르지 않습니다."
MSG_ALREADY = "이미 후원/나눔쇼핑이 등록된 상품입니다."
MSG_NOT_REGISTERED = "등록된 후원/나눔쇼핑 정보가 없습니다."
# A read of a goods with nothing registered, when `unregistered_read` is "refusal": only the
# "…등록 되어 있지 않습니다" ending is documented (the seller-discount sibling's wording).
MSG_READ_NOT_REGISTERED = "후원/나눔쇼핑 정보가 등록 되어 있지 않습니다."
MSG_NOTHING_IN_USE = "후원쇼핑 또는 나눔쇼핑 중 하나 이상 사용해야 합니다."
MSG_AMOUNT_MIN = "후원금액은 100원 이상 등록 가능합니다."
MSG_AMOUNT_RATIO = "후원금액은 판매가 80% 까지 설정 가능합니다."
MSG_CAP_MIN = "누적적립한도액은 10,000원 이상만 등록 가능합니다."
MSG_FIELD = "후원분야가 올바르지 않습니다."
MSG_GMKT_DATES = "후원 시작일은 종료일보다 늦을 수 없습니다."
MSG_IAC_DATES = "나눔 시작일은 종료일보다 늦을 수 없습니다."
# Seller discounts (판매자할인). Only the "…등록 되어 있지 않습니다" ending is documented.
MSG_DISCOUNT_NOT_REGISTERED = "판매자할인 정보가 등록 되어 있지 않습니다."
MSG_DISCOUNT_NO_SITE = "G마켓 또는 옥션 중 하나 이상 할인을 설정해야 합니다."
MSG_DISCOUNT_TYPE = "할인 타입이 올바르지 않습니다."
MSG_DISCOUNT_AMOUNT_MIN = "할인금액은 100원 이상 입력 가능합니다."
MSG_DISCOUNT_AMOUNT_UNIT = "할인금액은 10원 단위로 입력 가능합니다."
MSG_DISCOUNT_RATIO = "할인금액은 판매가의 70%까지 설정 가능합니다."
MSG_DISCOUNT_RATE = "할인율은 1~70% 까지 설정 가능합니다."
MSG_DISCOUNT_DATES = "할인 시작일은 종료일보다 늦을 수 없습니다."
DISCOUNT_SITES = {"gmkt": "G마켓", "iac": "옥션"}


class Refusal(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- helpers tests use in-process (the state is shared with the server thread) -----------------
def derived_price(goods_no: str) -> dict:
    """The price a goods has until one is set: deterministic, 10,000–99,000 KRW."""
    gmkt = 10_000 + (int(goods_no) % 90) * 1_000
    return {"gmkt": gmkt, "iac": gmkt + 1_000}


def set_price(state: SandboxState, goods_no: str, gmkt: int, iac: int | None = None) -> None:
    with state.lock:
        state.data["esm"].setdefault("prices", {})[str(goods_no)] = {
            "gmkt": gmkt,
            "iac": gmkt if iac is None else iac,
        }


def stored(state: SandboxState, goods_no: str) -> dict | None:
    """The sponsorship as stored (numbers, field 1–6), or None when not registered."""
    with state.lock:
        return copy.deepcopy(state.data["esm"].get("sponsorships", {}).get(str(goods_no)))


def store(state: SandboxState, goods_no: str, body: dict) -> None:
    """Change the remote side directly (as a seller editing in ESM Plus would)."""
    with state.lock:
        state.data["esm"].setdefault("sponsorships", {})[str(goods_no)] = copy.deepcopy(body)


def stored_discount(state: SandboxState, goods_no: str) -> dict | None:
    """The seller discount as stored (`{"isUse", "gmkt", "iac"}`), or None when not registered."""
    with state.lock:
        return copy.deepcopy(state.data["esm"].get("seller_discounts", {}).get(str(goods_no)))


def store_discount(state: SandboxState, goods_no: str, body: dict | None) -> None:
    """Change (or, with None, remove) the seller discount directly, as a seller in ESM Plus."""
    with state.lock:
        discounts = state.data["esm"].setdefault("seller_discounts", {})
        if body is None:
            discounts.pop(str(goods_no), None)
        else:
            discounts[str(goods_no)] = copy.deepcopy(body)


def discount_writes(state: SandboxState, goods_no: str) -> int:
    """How many seller-discount writes (POST or DELETE) were applied to the goods."""
    with state.lock:
        return state.data["esm"].get("discount_writes", {}).get(str(goods_no), 0)


# --- responses ------------------------------------------------------------------------------------
def _refusal(req: SandboxRequest, code: int, message: str) -> SandboxResponse:
    config = req.config
    if config.get("error_casing") == "pascal":
        body = {"ResultCode": code, "Message": message}
    else:
        body = {"resultCode": code, "message": message}
    return SandboxResponse(status=int(config.get("error_status", 400)), json=body)


def _unauthorized() -> SandboxResponse:
    return SandboxResponse(status=401, json=PERMISSION_BODY)


def retired_response(req: SandboxRequest) -> SandboxResponse:
    """The sponsorship API switched off: ESM's 401 permission body; other APIs still answer."""
    if SPONSORSHIP.match(req.path):
        return _unauthorized()
    return handle(req)


# --- the token ------------------------------------------------------------------------------------
def _expected(config: dict) -> dict:
    """The keys the sandbox's ESM account has: the `ESM_*` settings, or the `master_id`,
    `secret_key`, `issuer`, `gmarket_seller_id`, `auction_seller_id` configured (keys rotated)."""
    from django.conf import settings

    def value(key: str, setting: str) -> str:
        return str(config.get(key) or getattr(settings, setting))

    gmarket = value("gmarket_seller_id", "ESM_GMARKET_SELLER_ID")
    auction = value("auction_seller_id", "ESM_AUCTION_SELLER_ID")
    return {
        "kid": value("master_id", "ESM_MASTER_ID"),
        "secret": value("secret_key", "ESM_SECRET_KEY"),
        "iss": str(config.get("issuer") or settings.ESM_ISSUER or "www.esmplus.com"),
        "ssi": f"A:{auction},G:{gmarket}",
    }


def token_ok(authorization: str, config: dict | None = None) -> bool:
    """Whether the header carries a token exactly as MARKETPLACES.md describes."""
    scheme, _, bearer = authorization.partition(" ")
    if scheme != "Bearer" or not bearer:
        return False
    expected = _expected(config or {})
    try:
        header = jwt.get_unverified_header(bearer)
        if header.get("alg") != "HS256" or header.get("typ") != "JWT":
            return False
        if header.get("kid") != expected["kid"]:
            return False
        claims = jwt.decode(
            bearer,
            expected["secret"],
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=expected["iss"],
            options={"require": ["iss", "sub", "aud", "iat", "ssi"], "verify_iat": True},
        )
    except jwt.PyJWTError:
        return False
    if claims.get("sub") != "sell" or claims.get("ssi") != expected["ssi"]:
        return False
    return isinstance(claims["iat"], int) and abs(time.time() - claims["iat"]) <= TOKEN_MAX_AGE


# --- rules ----------------------------------------------------------------------------------------
def _check_goods(req: SandboxRequest, goods_no: str) -> None:
    if not (goods_no.isascii() and goods_no.isdigit()) or goods_no[0] == "0" or len(goods_no) > 12:
        raise Refusal(1000, MSG_GOODS)
    if goods_no in {str(g) for g in req.config.get("foreign_goods", ())}:
        raise Refusal(1000, MSG_FOREIGN)


def _price(req: SandboxRequest, goods_no: str) -> dict:
    with req.state.lock:
        price = req.bucket.get("prices", {}).get(goods_no)
    if price is None:
        configured = (req.config.get("prices") or {}).get(goods_no)
        if isinstance(configured, dict):
            gmkt = configured.get("gmkt")
            price = {"gmkt": gmkt, "iac": configured.get("iac", gmkt)}
        elif configured is not None:
            price = {"gmkt": int(configured), "iac": int(configured)}
    return price or derived_price(goods_no)


def _date(block: dict, key: str, required: bool) -> str | None:
    value = block.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Refusal(3000, f"{MSG_MALFORMED} ({key}: YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise Refusal(3000, f"{MSG_MALFORMED} ({key}: YYYY-MM-DD)") from None
    return value


def _number(block: dict, key: str, required: bool) -> int | None:
    value = block.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal(3000, f"{MSG_MALFORMED} ({key})")
    return value


def _validated(req: SandboxRequest, goods_no: str) -> dict:
    """The request body checked as ESM would: 3000 for shape, 1000 for business rules."""
    try:
        body = req.json()
    except ValueError:
        raise Refusal(3000, MSG_MALFORMED) from None
    if not isinstance(body, dict):
        raise Refusal(3000, MSG_MALFORMED)
    gmarket, auction = body.get("gmarket"), body.get("auction")
    if not isinstance(gmarket, dict) or not isinstance(auction, dict):
        raise Refusal(3000, f"{MSG_MALFORMED} (gmarket, auction)")
    for block in (gmarket, auction):
        if not isinstance(block.get("isUse"), bool):
            raise Refusal(3000, f"{MSG_MALFORMED} (isUse)")
    g_use, a_use = gmarket["isUse"], auction["isUse"]
    g = {
        "isUse": g_use,
        "amount": _number(gmarket, "amount", g_use),
        "maxAmount": _number(gmarket, "maxAmount", g_use),
        "field": _number(gmarket, "field", g_use),
        "startDate": _date(gmarket, "startDate", g_use),
        "endDate": _date(gmarket, "endDate", g_use),
    }
    a = {
        "isUse": a_use,
        "startDate": _date(auction, "startDate", a_use),
        "endDate": _date(auction, "endDate", a_use),
    }
    if not g_use and not a_use:
        raise Refusal(1000, MSG_NOTHING_IN_USE)
    if g_use:
        if g["amount"] < 100:
            raise Refusal(1000, MSG_AMOUNT_MIN)
        if g["amount"] * 10 > _price(req, goods_no)["gmkt"] * 8:
            raise Refusal(1000, MSG_AMOUNT_RATIO)
        if g["maxAmount"] < 10_000:
            raise Refusal(1000, MSG_CAP_MIN)
        if not 1 <= g["field"] <= 6:
            raise Refusal(1000, MSG_FIELD)
        if g["startDate"] > g["endDate"]:
            raise Refusal(1000, MSG_GMKT_DATES)
    if a_use and a["startDate"] > a["endDate"]:
        raise Refusal(1000, MSG_IAC_DATES)
    return {"gmarket": g, "auction": a}


def _discount_site(req: SandboxRequest, goods_no: str, site: str, block) -> dict:
    """One site's block checked as ESM would (messages prefixed with the site's name)."""
    name = DISCOUNT_SITES[site]
    if not isinstance(block, dict):
        raise Refusal(3000, f"{MSG_MALFORMED} ({site})")
    kind = block.get("type")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise Refusal(3000, f"{MSG_MALFORMED} ({site}.type)")
    if kind not in (0, 1, 2):
        raise Refusal(1000, f"{name} {MSG_DISCOUNT_TYPE}")
    if kind == 0:
        return {
            "type": 0,
            "priceOrRate1": None,
            "priceOrRate2": None,
            "startDate": None,
            "endDate": None,
        }
    out = {
        "type": kind,
        "priceOrRate1": _number(block, "priceOrRate1", True),
        "priceOrRate2": _number(block, "priceOrRate2", False),
        "startDate": _date(block, "startDate", True),
        "endDate": _date(block, "endDate", True),
    }
    values = [v for v in (out["priceOrRate1"], out["priceOrRate2"]) if v is not None]
    if kind == 1:
        if any(v < 100 for v in values):
            raise Refusal(1000, f"{name} {MSG_DISCOUNT_AMOUNT_MIN}")
        if any(v % 10 for v in values):
            raise Refusal(1000, f"{name} {MSG_DISCOUNT_AMOUNT_UNIT}")
        if sum(values) * 100 > _price(req, goods_no)[site] * 70:
            raise Refusal(1000, f"{name} {MSG_DISCOUNT_RATIO}")
    elif any(not 1 <= v <= 70 for v in values) or sum(values) > 70:
        raise Refusal(1000, f"{name} {MSG_DISCOUNT_RATE}")
    if out["startDate"] > out["endDate"]:
        raise Refusal(1000, f"{name} {MSG_DISCOUNT_DATES}")
    return out


def _discount_validated(req: SandboxRequest, goods_no: str) -> dict:
    try:
        body = req.json()
    except ValueError:
        raise Refusal(3000, MSG_MALFORMED) from None
    inner = body.get("sellerDiscount") if isinstance(body, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("isUse"), bool):
        raise Refusal(3000, f"{MSG_MALFORMED} (sellerDiscount.isUse)")
    stored = {
        "isUse": inner["isUse"],
        **{site: _discount_site(req, goods_no, site, inner.get(site)) for site in DISCOUNT_SITES},
    }
    if stored["isUse"] and not (stored["gmkt"]["type"] or stored["iac"]["type"]):
        raise Refusal(1000, MSG_DISCOUNT_NO_SITE)
    return stored


def _count_write(req: SandboxRequest, goods_no: str) -> None:
    writes = req.bucket.setdefault("discount_writes", {})
    writes[goods_no] = writes.get(goods_no, 0) + 1


def _discount_as_read(req: SandboxRequest, stored: dict) -> dict:
    out = copy.deepcopy(stored)
    if req.config.get("discount_dates_with_time"):
        for site in DISCOUNT_SITES:
            for key in ("startDate", "endDate"):
                if out[site].get(key):
                    out[site][key] += " 00:00:00"
    if req.config.get("discount_read_shape") == "bare":
        return out
    return {"sellerDiscount": out}


def _seller_discount(req: SandboxRequest, goods_no: str) -> SandboxResponse:
    ok = SandboxResponse(json={"goodsNo": int(goods_no)})
    if req.method == "GET":
        with req.state.lock:
            stored = copy.deepcopy(req.bucket.get("seller_discounts", {}).get(goods_no))
        if stored is None:
            if req.config.get("discount_unregistered_read", "refusal") == "refusal":
                raise Refusal(1000, MSG_DISCOUNT_NOT_REGISTERED)
            off = {
                "type": 0,
                "priceOrRate1": 0,
                "priceOrRate2": 0,
                "startDate": None,
                "endDate": None,
            }
            stored = {"isUse": False, "gmkt": dict(off), "iac": dict(off)}
        return SandboxResponse(json=_discount_as_read(req, stored))
    if req.method == "DELETE":
        with req.state.lock:
            if req.bucket.get("seller_discounts", {}).pop(goods_no, None) is None:
                raise Refusal(1000, MSG_DISCOUNT_NOT_REGISTERED)
            _count_write(req, goods_no)
        return ok
    if req.method == "POST":
        stored = _discount_validated(req, goods_no)
        with req.state.lock:
            req.bucket.setdefault("seller_discounts", {})[goods_no] = stored
            _count_write(req, goods_no)
        return ok
    raise Refusal(3000, MSG_MALFORMED)


def _as_read(req: SandboxRequest, body: dict | None) -> dict:
    """A stored body as GET answers it: field 6 read back as 99, or enums as names."""
    if body is None:
        body = {
            "gmarket": {
                "isUse": False,
                "amount": 0,
                "maxAmount": 0,
                "field": None,
                "startDate": None,
                "endDate": None,
            },
            "auction": {"isUse": False, "startDate": None, "endDate": None},
        }
    out = copy.deepcopy(body)
    number = out["gmarket"].get("field")
    if req.config.get("field_format") == "number":
        out["gmarket"]["field"] = 99 if number == 6 else (number or 0)
    else:
        out["gmarket"]["field"] = FIELD_NAMES.get(number, UNSET_FIELD_NAME)
    return out


# --- dispatch -------------------------------------------------------------------------------------
def handle(req: SandboxRequest) -> SandboxResponse:
    """Answer one ESM request (the server calls this for paths under /item/v1/)."""
    if not token_ok(req.header("Authorization"), req.config):
        return _unauthorized()
    sponsorship, price = SPONSORSHIP.match(req.path), PRICE.match(req.path)
    discount = SELLER_DISCOUNT.match(req.path)
    try:
        if discount:
            goods_no = discount["goods_no"]
            _check_goods(req, goods_no)
            return _seller_discount(req, goods_no)
        if price:
            goods_no = price["goods_no"]
            _check_goods(req, goods_no)
            if req.method != "GET":
                raise Refusal(3000, MSG_MALFORMED)
            return SandboxResponse(json=_price(req, goods_no))
        if sponsorship:
            if req.config.get("retired"):
                return retired_response(req)
            goods_no = sponsorship["goods_no"]
            _check_goods(req, goods_no)
            return _sponsorship(req, goods_no)
    except Refusal as refusal:
        return _refusal(req, refusal.code, refusal.message)
    return SandboxResponse(status=404, json={"resultCode": 3000, "message": "Not Found"})


def _sponsorship(req: SandboxRequest, goods_no: str) -> SandboxResponse:
    state = req.state
    ok = SandboxResponse(json={"goodsNo": int(goods_no)})
    if req.method == "GET":
        with state.lock:
            body = req.bucket.get("sponsorships", {}).get(goods_no)
        if body is None and req.config.get("unregistered_read") == "refusal":
            raise Refusal(1000, MSG_READ_NOT_REGISTERED)
        return SandboxResponse(json=_as_read(req, body))
    if req.method == "DELETE":
        with state.lock:
            if req.bucket.get("sponsorships", {}).pop(goods_no, None) is None:
                raise Refusal(1000, MSG_NOT_REGISTERED)
        return ok
    if req.method in ("POST", "PUT"):
        body = _validated(req, goods_no)
        with state.lock:
            sponsorships = req.bucket.setdefault("sponsorships", {})
            if req.method == "POST" and goods_no in sponsorships:
                raise Refusal(1000, MSG_ALREADY)
            if req.method == "PUT" and goods_no not in sponsorships:
                raise Refusal(1000, MSG_NOT_REGISTERED)
            sponsorships[goods_no] = body
        return ok
    raise Refusal(3000, MSG_MALFORMED)


TARGET = SandboxTarget(
    name="esm", prefixes=("/item/v1/",), handle=handle, retired_response=retired_response
)
