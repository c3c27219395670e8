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
from zoneinfo import ZoneInfo

from django.conf import settings

from marketplaces.http import FinalError, MarketplaceClient, RetryableError

KST = ZoneInfo("Asia/Seoul")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
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


def format_kst(value: datetime) -> str:
    return value.astimezone(KST).strftime(DATETIME_FORMAT)


def parse_kst(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, DATETIME_FORMAT).replace(tzinfo=KST)
    except ValueError:
        return None


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
