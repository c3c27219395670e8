"""Coupang Open API client: downloadable coupons and the contract list (MARKETPLACES.md).

Requests in, typed results out. Parsing is tolerant where the contract is unsure: bodies may be
an array or a single object, the daily limit is `maximumPerDaily` or `maximumPerDay`, a finished
request is `DONE` or `SUCCESS`, and a refusal's words are in `errorMessage` or `message`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from marketplaces.http import FinalError, MarketplaceClient, RetryableError
from marketplaces.rules import check_all

from . import rules
from .kst import DATETIME_FORMAT, KST, format_kst, parse_kst  # noqa: F401  (this module's names too)

COUPON_BASE = "/v2/providers/marketplace_openapi/apis/api/v1"
# At most 100 vendor items in one add-items call, counted over all its entries (MARKETPLACES.md).
MAX_ITEMS_PER_CALL = 100
DESTROYED_MARK = "삭제된 프로모션"
# The only 500 answers that are final (MARKETPLACES.md), each on its operation.
EXPIRE_UNKNOWN_TEXT = "expire할 쿠폰이 존재하지 않습니다."
UNKNOWN_TRANSACTION_TEXT = "시스템 오류"


# --- signing (MARKETPLACES.md "Signing every request") ----------------------------------------
def signed_date(now: datetime | None = None) -> str:
    """UTC as yyMMdd'T'HHmmss'Z'."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%y%m%dT%H%M%SZ")


def signature(secret_key: str, signed: str, method: str, path: str, query: str) -> str:
    """Lowercase hex HMAC-SHA256 of signedDate + METHOD + path + query (query without `?`)."""
    message = f"{signed}{method.upper()}{path}{query}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def authorization(
    access_key: str, secret_key: str, signed: str, method: str, path: str, query: str
) -> str:
    sig = signature(secret_key, signed, method, path, query)
    return (
        f"CEA algorithm=HmacSHA256, access-key={access_key}, signed-date={signed}, signature={sig}"
    )


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _list(value: Any) -> list:
    """An array body as a list; a single object as a one-item list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- typed results ------------------------------------------------------------------------------
@dataclass
class Policy:
    title: str
    type_of_discount: str
    description: str
    minimum_price: int
    discount: int
    maximum_discount_price: int | None
    maximum_per_daily: int
    manage_code: str = ""

    def as_request(self) -> dict:
        body = {
            "title": self.title,
            "typeOfDiscount": self.type_of_discount,
            "description": self.description,
            "minimumPrice": self.minimum_price,
            "discount": self.discount,
            "maximumPerDaily": self.maximum_per_daily,
        }
        # PRICE: Coupang ignores the cap and echoes -1; RATE: the cap in KRW.
        body["maximumDiscountPrice"] = (
            self.maximum_discount_price
            if self.maximum_discount_price is not None
            else self.discount
        )
        return body

    @classmethod
    def parse(cls, raw: dict) -> Policy:
        daily = raw.get("maximumPerDaily", raw.get("maximumPerDay"))
        cap = _int(raw.get("maximumDiscountPrice"))
        return cls(
            title=str(raw.get("title") or ""),
            type_of_discount=str(raw.get("typeOfDiscount") or ""),
            description=str(raw.get("description") or ""),
            minimum_price=_int(raw.get("minimumPrice"), 0),
            discount=_int(raw.get("discount"), 0),
            maximum_discount_price=None if cap is None or cap < 0 else cap,
            maximum_per_daily=_int(daily, 0),
            manage_code=str(raw.get("manageCode") or raw.get("managedCode") or ""),
        )


@dataclass
class CreateCouponRequest:
    title: str
    contract_id: int
    start_at: datetime
    end_at: datetime
    user_id: str
    policies: list[Policy]

    def as_request(self) -> dict:
        return {
            "title": self.title,
            "contractId": self.contract_id,
            "couponType": "DOWNLOAD",
            "startDate": format_kst(self.start_at),
            "endDate": format_kst(self.end_at),
            "userId": self.user_id,
            "policies": [p.as_request() for p in self.policies],
        }


@dataclass
class Coupon:
    coupon_id: int
    title: str
    coupon_type: str
    coupon_status: str
    start_at: datetime | None
    end_at: datetime | None
    published_at: datetime | None
    vendor_id: str = ""
    last_modified_by: str = ""
    applied_option_count: int | None = None
    usage_amount: int | None = None
    policies: list[Policy] = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> Coupon:
        raw = _list(raw)[0] if isinstance(raw, list) else (raw or {})
        if isinstance(raw.get("data"), dict):  # an envelope, should one ever appear
            raw = raw["data"].get("content", raw["data"])
        return cls(
            coupon_id=_int(raw.get("couponId"), 0),
            title=str(raw.get("title") or ""),
            coupon_type=str(raw.get("couponType") or ""),
            coupon_status=str(raw.get("couponStatus") or ""),
            start_at=parse_kst(raw.get("startDate")),
            end_at=parse_kst(raw.get("endDate")),
            published_at=parse_kst(raw.get("publishedDate")),
            vendor_id=str(raw.get("vendorId") or ""),
            last_modified_by=str(raw.get("lastModifiedBy") or ""),
            applied_option_count=_int(raw.get("appliedOptionCount")),
            usage_amount=_int(raw.get("usageAmount")),
            policies=[
                Policy.parse(p) for p in _list(raw.get("couponPolicies", raw.get("policies")))
            ],
            raw=raw,
        )


@dataclass
class RequestResult:
    """One entry of the add-items / expire answer."""

    succeeded: bool
    coupon_id: int | None
    transaction_id: str
    error_code: str
    error_message: str

    @classmethod
    def parse(cls, raw: dict) -> RequestResult:
        body = raw.get("body") or {}
        status = str(raw.get("requestResultStatus") or "").upper()
        return cls(
            succeeded=status in ("SUCCESS", "DONE"),
            coupon_id=_int(body.get("couponId")),
            transaction_id=str(body.get("requestTransactionId") or ""),
            error_code=str(raw.get("errorCode") or ""),
            error_message=str(raw.get("errorMessage") or ""),
        )


@dataclass
class TransactionStatus:
    transaction_id: str
    type: str
    status: str  # REQUESTED, DONE, FAIL (SUCCESS is read as DONE)
    coupon_id: int | None
    total: int
    succeeded: int
    failed: int
    failures: dict[int, str]
    raw: dict

    @property
    def pending(self) -> bool:
        return self.status not in ("DONE", "FAIL")

    @classmethod
    def parse(cls, raw: Any, transaction_id: str) -> TransactionStatus:
        raw = _list(raw)[0] if isinstance(raw, list) else (raw or {})
        inner = raw.get("transactionStatusResponse", raw)
        status = str(inner.get("status") or "").upper()
        status = {"SUCCESS": "DONE", "FAILED": "FAIL", "FAILURE": "FAIL"}.get(status, status)
        failures = {}
        for failure in _list(inner.get("couponFailedVendorItemIdResponses")):
            failures[_int(failure.get("vendorItemId"), 0)] = str(failure.get("failureReason") or "")
        return cls(
            transaction_id=str(inner.get("requestedId") or transaction_id),
            type=str(inner.get("type") or ""),
            status=status or "REQUESTED",
            coupon_id=_int(inner.get("couponId")),
            total=_int(inner.get("total"), 0),
            succeeded=_int(inner.get("succeeded"), 0),
            failed=_int(inner.get("failed"), 0),
            failures=failures,
            raw=raw,
        )


@dataclass
class Contract:
    contract_id: int
    vendor_contract_id: int
    type: str


class CouponDestroyedError(FinalError):
    """Coupang destroyed the coupon (items failed to attach): `삭제된 프로모션 입니다.`"""


class CouponNotFoundError(FinalError):
    """Coupang does not know this couponId."""


# --- the client ---------------------------------------------------------------------------------
class CoupangClient(MarketplaceClient):
    marketplace = "coupang"

    def base_url(self) -> str:
        return settings.COUPANG_BASE_URL or super().base_url()

    @property
    def vendor_id(self) -> str:
        return settings.COUPANG_VENDOR_ID

    @property
    def user_id(self) -> str:
        return settings.COUPANG_WING_USER_ID

    def secrets(self) -> list[str]:
        return [settings.COUPANG_SECRET_KEY, settings.COUPANG_ACCESS_KEY]

    def sign(self, method: str, path: str, query: str) -> dict[str, str]:
        auth = authorization(
            settings.COUPANG_ACCESS_KEY,
            settings.COUPANG_SECRET_KEY,
            signed_date(),
            method,
            path,
            query,
        )
        return {"Authorization": auth, "X-Requested-By": self.vendor_id}

    def classify(self, status, data, text, headers):
        message = self.error_message(data, text)
        if DESTROYED_MARK in message:
            raise CouponDestroyedError(message, status=status, body=text)
        if status == 404:
            raise CouponNotFoundError(message, status=status, body=text)
        if status == 403 and "json" not in headers.get("Content-Type", ""):
            # The gateway's HTML block page after bursts of errors: it lifts by itself.
            raise RetryableError(
                "쿠팡 게이트웨이가 요청을 일시 차단했습니다 (403).",
                status=status,
                body=text,
                retry_after=60,
            )
        # Every other 5xx leaves the outcome unknown (the base: retryable, outcome_unknown). Only
        # the two documented 500 texts, each on its own operation, are final (`_final_500`).
        super().classify(status, data, text, headers)

    @staticmethod
    def _final_500(exc: RetryableError, text: str, error=FinalError) -> None:
        """Raise `error` when a 500 carries `text`, Coupang's documented final answer on this
        operation (MARKETPLACES.md: a 500 is final only for those texts)."""
        if exc.status == 500 and text in exc.message:
            raise error(exc.message, status=exc.status, body=exc.body) from exc

    # --- operations ---
    def create_coupon(self, request: CreateCouponRequest) -> Coupon:
        # Allow Coupang's backend more than the gateway's default 3 s: fewer unknown outcomes.
        response = self.request(
            "POST",
            f"{COUPON_BASE}/coupons",
            json=request.as_request(),
            headers={"X-EXTENDED-TIMEOUT": "9000"},
        )
        coupon = Coupon.parse(response.data)
        if not coupon.coupon_id:
            raise RetryableError(
                "쿠팡 응답에 couponId가 없습니다.", body=response.text, outcome_unknown=True
            )
        return coupon

    def add_items(
        self, coupon_id: int, vendor_item_ids: list[int], *, user_id: str = ""
    ) -> list[RequestResult]:
        """One add-items call of at most 100 vendor items (one entry, one transaction).

        Raises ValueError for more than 100: the caller sends one call per 100, each polled."""
        if not 0 < len(vendor_item_ids) <= MAX_ITEMS_PER_CALL:
            raise ValueError(
                f"add_items takes 1 to {MAX_ITEMS_PER_CALL} vendor items, not {len(vendor_item_ids)}"
            )
        entry = {
            "couponId": coupon_id,
            "userId": user_id or self.user_id,
            "vendorItemIds": list(vendor_item_ids),
        }
        response = self.request("PUT", f"{COUPON_BASE}/coupon-items", json={"couponItems": [entry]})
        return [RequestResult.parse(r) for r in _list(response.data)]

    def transaction_status(self, transaction_id: str) -> TransactionStatus:
        try:
            response = self.request(
                "GET",
                f"{COUPON_BASE}/coupons/transactionStatus",
                params={"requestTransactionId": transaction_id},
            )
        except RetryableError as exc:
            self._final_500(exc, UNKNOWN_TRANSACTION_TEXT)
            raise
        return TransactionStatus.parse(response.data, transaction_id)

    def expire(
        self, coupon_id: int, *, reason: str = "expired", user_id: str = ""
    ) -> list[RequestResult]:
        body = {
            "expireCouponList": [
                {"couponId": coupon_id, "reason": reason, "userId": user_id or self.user_id}
            ]
        }
        try:
            response = self.request("POST", f"{COUPON_BASE}/coupons/expire", json=body)
        except RetryableError as exc:
            self._final_500(exc, EXPIRE_UNKNOWN_TEXT, CouponNotFoundError)
            raise
        return [RequestResult.parse(r) for r in _list(response.data)]

    def get_coupon(self, coupon_id: int) -> Coupon:
        response = self.request("GET", f"{COUPON_BASE}/coupons/{int(coupon_id)}")
        return Coupon.parse(response.data)

    def contracts(self) -> list[Contract]:
        path = f"/v2/providers/fms/apis/api/v2/vendors/{self.vendor_id}/contract/list"
        response = self.request("GET", path)
        data = response.data or {}
        inner = data.get("data", data) if isinstance(data, dict) else {}
        content = inner.get("content", []) if isinstance(inner, dict) else inner
        return [
            Contract(
                contract_id=_int(c.get("contractId"), 0),
                vendor_contract_id=_int(c.get("vendorContractId"), 0),
                type=str(c.get("type") or ""),
            )
            for c in _list(content)
        ]

    def default_contract_id(self) -> int:
        """COUPANG_CONTRACT_ID, or the vendor's NON_CONTRACT_BASED contract (vendorContractId -1)."""
        if settings.COUPANG_CONTRACT_ID:
            return int(settings.COUPANG_CONTRACT_ID)
        for contract in self.contracts():
            if contract.type == "NON_CONTRACT_BASED" and contract.vendor_contract_id == -1:
                return contract.contract_id
        raise FinalError(
            "쿠팡 계약 목록에 NON_CONTRACT_BASED 계약이 없습니다. COUPANG_CONTRACT_ID를 설정하세요."
        )


# --- instant-discount coupons (MARKETPLACES.md "Instant-discount coupons") ----------------------
INSTANT_BASE = "/v2/providers/fms/apis/api"
INSTANT_STATUSES = ("STANDBY", "APPLIED", "PAUSED", "EXPIRED", "DETACHED")
INSTANT_PAGE_SIZE = 100
_PENDING_WORDS = ("REQUESTED", "IN_PROGRESS", "PROCESSING", "PENDING", "")
_INSTANT_DATE_FORMATS = (DATETIME_FORMAT, "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_kst_loose(value: Any) -> datetime | None:
    """A Korean-time date as Coupang writes it, tolerant of `.0`, a `T` or a bare date."""
    if not value:
        return None
    text = str(value).strip()
    for fmt in _INSTANT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=KST)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "y", "yes", "1")
    return bool(value)


def envelope_content(data: Any) -> Any:
    """`data.content` of the standard envelope; the body itself when it is not one."""
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        inner = data["data"]
        return inner.get("content", inner)
    if isinstance(data, dict) and "content" in data:
        return data["content"]
    return data


def _first(raw: dict, *names: str, default: Any = None) -> Any:
    for name in names:
        if raw.get(name) is not None:
            return raw[name]
    return default


@dataclass
class InstantCouponRequest:
    name: str
    contract_id: int
    type: str
    discount: int
    max_discount_price: int
    start_at: datetime
    end_at: datetime
    wow_exclusive: bool

    def as_request(self) -> dict:
        return {
            "contractId": self.contract_id,
            "name": self.name,
            "maxDiscountPrice": self.max_discount_price,
            "discount": self.discount,
            "startAt": format_kst(self.start_at),
            "endAt": format_kst(self.end_at),
            "type": self.type,
            "wowExclusive": self.wow_exclusive,
        }


@dataclass
class InstantCoupon:
    coupon_id: int
    name: str
    type: str
    discount: int | None
    max_discount_price: int | None
    start_at: datetime | None
    end_at: datetime | None
    status: str
    wow_exclusive: bool
    contract_id: int | None = None
    raw: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any) -> InstantCoupon:
        raw = envelope_content(raw)
        raw = (_list(raw) or [{}])[0] if isinstance(raw, list) else (raw or {})
        return cls(
            coupon_id=_int(_first(raw, "couponId", "id"), 0),
            name=str(_first(raw, "name", "couponName", "title", default="")),
            type=str(_first(raw, "type", "discountType", default="")),
            discount=_int(raw.get("discount")),
            max_discount_price=_int(_first(raw, "maxDiscountPrice", "maximumDiscountPrice")),
            start_at=parse_kst_loose(_first(raw, "startAt", "startDate")),
            end_at=parse_kst_loose(_first(raw, "endAt", "endDate")),
            status=str(_first(raw, "status", "couponStatus", default="")).upper(),
            wow_exclusive=_bool(raw.get("wowExclusive")),
            contract_id=_int(raw.get("contractId")),
            raw=raw,
        )


@dataclass
class InstantPage:
    coupons: list[InstantCoupon]
    page: int
    total_pages: int | None

    def has_next(self, size: int) -> bool:
        if self.total_pages is not None:
            return self.page < self.total_pages
        return len(self.coupons) >= size  # no pagination block: a full page may have a next


@dataclass
class RequestedStatus:
    """A `requestedId`'s outcome: REQUESTED while pending, then DONE or FAIL."""

    requested_id: str
    type: str
    status: str
    coupon_id: int | None
    total: int
    succeeded: int
    failed: int
    failures: dict[int, str]
    raw: dict

    @property
    def pending(self) -> bool:
        return self.status not in ("DONE", "FAIL")

    @classmethod
    def parse(cls, raw: Any, requested_id: str) -> RequestedStatus:
        inner = envelope_content(raw)
        inner = (_list(inner) or [{}])[0] if isinstance(inner, list) else (inner or {})
        status = str(_first(inner, "status", "requestStatus", default="")).upper()
        status = {"SUCCESS": "DONE", "COMPLETE": "DONE", "FAILED": "FAIL", "FAILURE": "FAIL"}.get(
            status, status
        )
        if status in _PENDING_WORDS:
            status = "REQUESTED"
        failures = {}
        for failure in _list(
            _first(inner, "failedVendorItems", "failedVendorItemIds", "failures", default=[])
        ):
            if isinstance(failure, dict):
                item = _int(_first(failure, "vendorItemId", "id"), 0)
                failures[item] = str(_first(failure, "reason", "failureReason", default=""))
            else:
                failures[_int(failure, 0)] = ""
        return cls(
            requested_id=str(_first(inner, "requestedId", default=requested_id)),
            type=str(inner.get("type") or ""),
            status=status,
            coupon_id=_int(inner.get("couponId")),
            total=_int(inner.get("total"), 0),
            succeeded=_int(_first(inner, "succeeded", "success"), 0),
            failed=_int(inner.get("failed"), 0),
            failures=failures,
            raw=inner if isinstance(inner, dict) else {},
        )


class InstantCouponClient(CoupangClient):
    """Coupang's instant-discount coupons: every write answers a `requestedId` to poll."""

    def _path(self, version: str, tail: str) -> str:
        return f"{INSTANT_BASE}/{version}/vendors/{self.vendor_id}{tail}"

    def _requested_id(self, response) -> str:
        data = response.data if isinstance(response.data, dict) else {}
        inner = data.get("data") if isinstance(data.get("data"), dict) else {}
        if inner.get("success") is False:
            raise FinalError(self.error_message(data, response.text), body=response.text)
        content = envelope_content(data)
        requested = content.get("requestedId") if isinstance(content, dict) else None
        requested = requested or (content if isinstance(content, (str, int)) else None)
        if not requested:
            raise RetryableError(
                "쿠팡 응답에 requestedId가 없습니다.", body=response.text, outcome_unknown=True
            )
        return str(requested)

    def create_instant(self, request: InstantCouponRequest) -> str:
        """Send the create; returns its requestedId (the coupon exists once that is DONE)."""
        response = self.request(
            "POST",
            self._path("v2", "/coupon"),
            json=request.as_request(),
            headers={"X-EXTENDED-TIMEOUT": "9000"},
        )
        return self._requested_id(response)

    def add_instant_items(self, coupon_id: int, vendor_item_ids: list[int]) -> str:
        """One add-items call of at most 10,000 options; returns its requestedId. Refuses more
        (ValidationError, nothing sent): the caller sends one call per 10,000."""
        check_all((rules.instant_items_per_call, vendor_item_ids))
        response = self.request(
            "POST",
            self._path("v1", f"/coupons/{int(coupon_id)}/items"),
            json={"vendorItems": list(vendor_item_ids)},
        )
        return self._requested_id(response)

    def expire_instant(self, coupon_id: int) -> str:
        """`PUT …/coupons/{couponId}?action=expire` (the query is signed); returns the
        requestedId."""
        response = self.request(
            "PUT", self._path("v1", f"/coupons/{int(coupon_id)}"), params={"action": "expire"}
        )
        return self._requested_id(response)

    def requested_status(self, requested_id: str) -> RequestedStatus:
        response = self.request("GET", self._path("v1", f"/requested/{requested_id}"))
        return RequestedStatus.parse(response.data, requested_id)

    def get_instant(self, coupon_id: int) -> InstantCoupon:
        response = self.request("GET", self._path("v2", "/coupon"), params={"couponId": coupon_id})
        coupon = InstantCoupon.parse(response.data)
        if not coupon.coupon_id:
            raise CouponNotFoundError(
                self.error_message(response.data, response.text), body=response.text
            )
        return coupon

    def list_instant_page(
        self, status: str, *, page: int = 1, size: int = INSTANT_PAGE_SIZE, sort: str = "desc"
    ) -> InstantPage:
        response = self.request(
            "GET",
            self._path("v2", "/coupons"),
            params={"status": status, "page": page, "size": size, "sort": sort},
        )
        data = response.data if isinstance(response.data, dict) else {}
        inner = data.get("data") if isinstance(data.get("data"), dict) else data
        content = envelope_content(data)
        pagination = inner.get("pagination") or {}
        total_pages = _int(_first(pagination, "totalPages", "totalPage")) if pagination else None
        return InstantPage(
            coupons=[InstantCoupon.parse(c) for c in _list(content) if isinstance(c, dict)],
            page=_int(_first(pagination, "currentPage", "page"), page) if pagination else page,
            total_pages=total_pages,
        )

    def list_instant(self, status: str, *, size: int = INSTANT_PAGE_SIZE):
        """Every coupon of one status, page after page (a generator)."""
        page = 1
        while True:
            answer = self.list_instant_page(status, page=page, size=size)
            yield from answer.coupons
            if not answer.coupons or not answer.has_next(size):
                return
            page += 1
