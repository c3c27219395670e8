"""The Coupang half of the sandbox: gateway signing, rate limit, downloadable coupons, contracts.

State (`req.bucket`, guarded by `req.state.lock`):
    coupons        {couponId: coupon dict}; `destroyed` / `expired` flags
    transactions   {requestTransactionId: transaction dict}; settled `settle_seconds` after request
    owners         {vendorItemId: couponId} for live coupons (CIR14)
    hits           {vendorId: [monotonic times]} for the rate limit
    instant        the instant-discount coupons (`sandbox_instant.py`, routed from here)

Settings (`POST /_sandbox/config {"target":"coupang","settings":{...}}` or `handle.configure`):
    rate_limit_rps (10), settle_seconds (0.2), signed_date_tolerance_seconds (300),
    done_word ("DONE" | "SUCCESS"), error_shape ("both" | "message" | "errorMessage"),
    single_object_results (False: answer add-items/expire with an object instead of an array),
    later_adds ("standby": a further add-items call is taken while the coupon is STANDBY and no
    earlier add is pending; False: the first add fixes the items),
    retry_after ("1"), vendor_id / access_key / secret_key (default: Django settings),
    contracts ([{"contractId": 15, "vendorContractId": -1, "type": "NON_CONTRACT_BASED"}, ...]).

Messages not in MARKETPLACES.md (mixed policy types, items already attached ...) are marked
"(sandbox wording)".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

from marketplaces.sandbox.server import SandboxRequest, SandboxResponse, SandboxState, SandboxTarget

from . import sandbox_instant
from .sandbox_common import (  # noqa: F401  (KST, FMT, DEFAULT_CONTRACTS: this module's names too)
    DEFAULT_CONTRACTS,
    FMT,
    KST,
    _contracts,
    _django,
    _error,
    _kst,
    _now,
    _parse_date,
    _setting,
    _vendor,
)

COUPON_BASE = "/v2/providers/marketplace_openapi/apis/api/v1"
CONTRACT_LIST = re.compile(
    r"^/v2/providers/fms/apis/api/v2/vendors/(?P<vendor>[^/]+)/contract/list$"
)
MAX_ITEMS_PER_CALL = 100
TOO_MANY_ITEMS = "한 번에 적용할 옵션ID 수는 100개를 초과할 수 없음"
COUPON_ONE = re.compile(rf"^{COUPON_BASE}/coupons/(?P<id>[^/]+)$")
AUTH = re.compile(
    r"^CEA algorithm=HmacSHA256, access-key=(?P<key>[^,]+), "
    r"signed-date=(?P<date>[^,]+), signature=(?P<sig>[0-9a-f]+)$"
)


def _gateway_error(status: int, message: str) -> SandboxResponse:
    return SandboxResponse(
        status=status, json={"code": "ERROR", "message": message, "transactionId": uuid.uuid4().hex}
    )


def _init(bucket: dict) -> dict:
    bucket.setdefault("coupons", {})
    bucket.setdefault("transactions", {})
    bucket.setdefault("owners", {})
    bucket.setdefault("hits", {})
    bucket.setdefault("next_coupon_id", 15354534)
    return bucket


# --- gateway ------------------------------------------------------------------------------------
def _check_signature(req: SandboxRequest) -> SandboxResponse | None:
    match = AUTH.match(req.header("authorization"))
    access_key = _setting(req, "access_key", None) or _django("COUPANG_ACCESS_KEY", "")
    secret_key = _setting(req, "secret_key", None) or _django("COUPANG_SECRET_KEY", "")
    if not match or match["key"] != access_key:
        return _gateway_error(401, "Invalid signature.")
    try:
        signed = datetime.strptime(match["date"], "%y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return _gateway_error(401, "Invalid signature.")
    message = f"{match['date']}{req.method}{req.path}{req.query}"
    expected = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["sig"]):
        return _gateway_error(401, "Invalid signature.")
    tolerance = float(_setting(req, "signed_date_tolerance_seconds", 300))
    if abs((datetime.now(UTC) - signed).total_seconds()) > tolerance:
        return _gateway_error(401, "Specified signature is expired.")
    return None


def _check_rate(req: SandboxRequest, bucket: dict) -> SandboxResponse | None:
    limit = float(_setting(req, "rate_limit_rps", 10))
    vendor = req.header("x-requested-by") or "?"
    now = time.monotonic()
    hits = [t for t in bucket["hits"].get(vendor, []) if now - t < 1.0]
    if len(hits) >= limit:
        bucket["hits"][vendor] = hits
        response = _gateway_error(429, "Too Many Requests")
        response.headers["Retry-After"] = str(_setting(req, "retry_after", "1"))
        return response
    hits.append(now)
    bucket["hits"][vendor] = hits
    return None


def handle(req: SandboxRequest) -> SandboxResponse:
    with req.state.lock:
        bucket = _init(req.bucket)
        refused = _check_rate(req, bucket) or _check_signature(req)
        if refused:
            return refused
        _settle(bucket)
        return _route(req, bucket)


def _route(req: SandboxRequest, bucket: dict) -> SandboxResponse:
    path, method = req.path, req.method
    if method == "GET" and (m := CONTRACT_LIST.match(path)):
        return _contract_list(req, m["vendor"])
    instant = sandbox_instant.route(req, bucket)  # the instant-discount coupons' paths
    if instant is not None:
        return instant
    if method == "POST" and path == f"{COUPON_BASE}/coupons":
        return _create(req, bucket)
    if method == "PUT" and path == f"{COUPON_BASE}/coupon-items":
        return _add_items(req, bucket)
    if method == "GET" and path == f"{COUPON_BASE}/coupons/transactionStatus":
        return _transaction_status(req, bucket)
    if method == "POST" and path == f"{COUPON_BASE}/coupons/expire":
        return _expire(req, bucket)
    if method == "GET" and (m := COUPON_ONE.match(path)):
        return _get_one(req, bucket, m["id"])
    return _gateway_error(404, "No API found for the request path.")


# --- contracts ----------------------------------------------------------------------------------
def _contract_list(req, vendor: str) -> SandboxResponse:
    if vendor != _vendor(req):
        return _error(req, 403, f"판매자={vendor} 에 대한 권한이 없습니다. (sandbox wording)")
    return SandboxResponse(
        json={
            "code": "200",
            "message": "OK",
            "httpStatus": 200,
            "httpStatusMessage": "OK",
            "errorMessage": "",
            "data": {"success": True, "content": _contracts(req), "pagination": None},
        }
    )


# --- create -------------------------------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _policy_errors(policies: list) -> list[str]:
    errors = []
    if not isinstance(policies, list) or not 1 <= len(policies) <= 3:
        return ["policies 는 1~3개까지 입력 가능합니다. (sandbox wording)"]
    kinds = {p.get("typeOfDiscount") for p in policies if isinstance(p, dict)}
    if not kinds <= {"PRICE", "RATE"}:
        errors.append("typeOfDiscount 는 PRICE 또는 RATE 만 가능합니다. (sandbox wording)")
    elif len(kinds) > 1:
        errors.append("한 쿠폰의 정책은 모두 같은 할인 유형이어야 합니다. (sandbox wording)")
    for i, p in enumerate(policies):
        if not isinstance(p, dict):
            errors.append(f"policies[{i}] 형식이 올바르지 않습니다. (sandbox wording)")
            continue
        discount, minimum = p.get("discount"), p.get("minimumPrice")
        cap, daily = p.get("maximumDiscountPrice"), p.get("maximumPerDaily")
        amount_ok = _is_int(minimum) and minimum >= 0 and minimum % 10 == 0
        if p.get("typeOfDiscount") == "RATE":
            if not (_is_int(discount) and 1 <= discount <= 99):
                errors.append(
                    f"policies[{i}] 할인율은 1~99 사이의 정수만 입력 가능합니다. (sandbox wording)"
                )
            amount_ok = amount_ok and _is_int(cap) and cap >= 10 and cap % 10 == 0
        else:
            amount_ok = amount_ok and _is_int(discount) and discount >= 10 and discount % 10 == 0
        if not amount_ok:
            errors.append(f"policies[{i}] 금액 정보는 10원 단위로 입력해야 합니다.")
        if not (_is_int(daily) and 1 <= daily <= 9999):
            errors.append(f"policies[{i}].maxPerDaily 1~9999 양수만 입력 가능합니다.")
    return errors


def _create(req, bucket) -> SandboxResponse:
    try:
        body = req.json()
    except ValueError:
        return _error(req, 400, "요청 본문을 읽을 수 없습니다. (sandbox wording)")
    if not isinstance(body, dict):
        return _error(req, 400, "요청 본문을 읽을 수 없습니다. (sandbox wording)")
    errors = []
    vendor = _vendor(req)
    if not str(body.get("title") or "").strip():
        errors.append(
            "createCouponRequest.title 은 빈칸임. createCouponRequest.title 은 필수 입력입니다."
        )
    contract_id = body.get("contractId")
    contract_ids = {c["contractId"] for c in _contracts(req)}
    if not _is_int(contract_id) or contract_id not in contract_ids:
        errors.append(f"contractId={contract_id} (으)로 계약이 판매자={vendor} 에 속하지 않습니다.")
    if body.get("couponType") != "DOWNLOAD":
        errors.append("couponType 은 DOWNLOAD 만 가능합니다. (sandbox wording)")
    if not str(body.get("userId") or "").strip():
        errors.append(
            "createCouponRequest.userId 은 빈칸임. createCouponRequest.userId 은 필수 입력입니다."
        )
    now = _now()
    start, end = _parse_date(body.get("startDate")), _parse_date(body.get("endDate"))
    # The coupon shows on the front at least an hour after creation (seed): start >= now + 1h.
    if start is None or start < now.replace(microsecond=0) + timedelta(hours=1):
        errors.append(
            "startAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요."
        )
    if end is None or (start is not None and end <= start):
        errors.append("endAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요.")
    errors += _policy_errors(body.get("policies"))
    if errors:
        return _error(req, 400, ", ".join(errors))

    coupon_id = bucket["next_coupon_id"]
    bucket["next_coupon_id"] += 1
    stamp = int(time.time() * 1000)
    policies = []
    for i, p in enumerate(body["policies"]):
        policies.append(
            {
                "description": p.get("description") or "",
                "discount": p["discount"],
                "maximumDiscountPrice": p["maximumDiscountPrice"]
                if p["typeOfDiscount"] == "RATE"
                else -1,
                "maximumPerDaily": p["maximumPerDaily"],
                "minimumPrice": p["minimumPrice"],
                "title": p.get("title") or "",
                "typeOfDiscount": p["typeOfDiscount"],
                "manageCode": f"FMS_{contract_id}_{vendor}_{stamp}{i}",
            }
        )
    coupon = {
        "couponId": coupon_id,
        "vendorId": vendor,
        "couponType": "DOWNLOAD",
        "contractId": contract_id,
        "lastModifiedBy": body["userId"],
        "lastModifiedDate": _kst(now),
        "title": body["title"],
        "publishedDate": None,
        "startDate": _kst(start),
        "endDate": _kst(end),
        "couponStatus": "STANDBY",
        "couponPolicies": policies,
        "items": [],
        "itemsLocked": False,
        "destroyed": False,
        "expired": False,
        "createdAt": _kst(now),
    }
    bucket["coupons"][coupon_id] = coupon
    answer = {
        k: coupon[k]
        for k in (
            "couponId",
            "vendorId",
            "couponType",
            "lastModifiedBy",
            "lastModifiedDate",
            "title",
            "publishedDate",
            "startDate",
            "couponStatus",
            "couponPolicies",
        )
    }
    return SandboxResponse(json=answer)


# --- items, expire, transactions ----------------------------------------------------------------
def _results(req, results: list[dict]) -> SandboxResponse:
    if _setting(req, "single_object_results", False) and len(results) == 1:
        return SandboxResponse(json=results[0])
    return SandboxResponse(json=results)


def _result(ok: bool, coupon_id, transaction_id=None, message=None) -> dict:
    return {
        "requestResultStatus": "SUCCESS" if ok else "FAIL",
        "body": {"couponId": coupon_id, "requestTransactionId": transaction_id},
        "errorCode": None if ok else "BAD_REQUEST",
        "errorMessage": None if ok else message,
    }


def _new_transaction(req, bucket, kind: str, coupon_id: int, items: list[int]) -> str:
    transaction_id = f"et5_{int(time.time() * 1e6)}{uuid.uuid4().int % 100000:05d}"
    bucket["transactions"][transaction_id] = {
        "type": kind,
        "couponId": coupon_id,
        "items": items,
        "status": "REQUESTED",
        "failures": [],
        "settleAt": time.monotonic() + float(_setting(req, "settle_seconds", 0.2)),
    }
    return transaction_id


def _coupon_key(bucket, coupon_id):
    try:
        key = int(coupon_id)
    except (TypeError, ValueError):
        return None
    return key if key in bucket["coupons"] else None


def _add_items(req, bucket) -> SandboxResponse:
    try:
        body = req.json() or {}
        entries = body["couponItems"]
        assert isinstance(entries, list) and entries
        assert all(isinstance(e, dict) for e in entries)
    except (ValueError, KeyError, TypeError, AssertionError):
        return _error(req, 400, "couponItems 는 필수 입력입니다. (sandbox wording)")
    # At most 100 vendor items in one call, counted over all its entries (MARKETPLACES.md).
    counted = sum(len(e.get("vendorItemIds") or []) for e in entries)
    if counted > MAX_ITEMS_PER_CALL:
        return _error(req, 400, TOO_MANY_ITEMS)
    results = []
    for entry in entries:
        key = _coupon_key(bucket, entry.get("couponId"))
        items = entry.get("vendorItemIds") or []
        if key is None:
            results.append(
                _result(
                    False,
                    entry.get("couponId"),
                    message=f"존재 하지 않는 프로모션 ({entry.get('couponId')})",
                )
            )
            continue
        coupon = bucket["coupons"][key]
        refusal = _add_refusal(req, bucket, key, coupon, items, entry)
        if refusal:
            results.append(_result(False, key, message=refusal))
            continue
        coupon["itemsLocked"] = True
        transaction_id = _new_transaction(req, bucket, "COUPON_ITEM_PUBLISH", key, list(items))
        results.append(_result(True, key, transaction_id))
    return _results(req, results)


def _add_refusal(req, bucket, key: int, coupon: dict, items: list, entry: dict) -> str:
    """Why this add-items entry is refused, or "".

    Whether Coupang takes a second add while the coupon is STANDBY is unsure (MARKETPLACES.md):
    by default the sandbox takes it once the previous add has settled (`later_adds` "standby");
    `later_adds` False fixes the items with the first add."""
    if coupon["destroyed"]:
        return "삭제된 프로모션 입니다."
    if coupon["expired"]:
        return "만료된 쿠폰입니다. (sandbox wording)"
    if coupon["itemsLocked"]:
        later = _setting(req, "later_adds", "standby")
        pending = any(
            t["couponId"] == key
            and t["type"] == "COUPON_ITEM_PUBLISH"
            and t["status"] == "REQUESTED"
            for t in bucket["transactions"].values()
        )
        if not later or _status(coupon) != "STANDBY":
            return "이미 옵션이 등록된 다운로드 쿠폰은 옵션을 변경할 수 없습니다. (sandbox wording)"
        if pending:
            return "이전 옵션 등록 요청을 처리 중입니다. (sandbox wording)"
    if not items or not all(_is_int(i) and i > 0 for i in items):
        return "vendorItemIds 는 1~100개의 옵션ID만 입력 가능합니다. (sandbox wording)"
    if not str(entry.get("userId") or "").strip():
        return "userId 은 필수 입력입니다. (sandbox wording)"
    return ""


def _expire(req, bucket) -> SandboxResponse:
    try:
        entries = (req.json() or {})["expireCouponList"]
        assert isinstance(entries, list) and entries
    except (ValueError, KeyError, TypeError, AssertionError):
        return _error(req, 400, "expireCouponList 는 필수 입력입니다. (sandbox wording)")
    keys = [_coupon_key(bucket, e.get("couponId")) for e in entries]
    if any(k is None or bucket["coupons"][k]["destroyed"] for k in keys):
        return _error(req, 500, "expire할 쿠폰이 존재하지 않습니다.")
    results = []
    for key in keys:
        coupon = bucket["coupons"][key]
        if coupon["expired"] or coupon.get("expiring"):
            results.append(_result(False, key, message="이미 만료된 쿠폰입니다. (sandbox wording)"))
            continue
        coupon["expiring"] = True
        results.append(_result(True, key, _new_transaction(req, bucket, "COUPON_EXPIRE", key, [])))
    return _results(req, results)


def settle(state: SandboxState, target: str) -> None:
    """Finish every pending transaction now, whatever its `settle_seconds` (the sandbox's
    "settle now" control: `SandboxHandle.settle("coupang")`, `POST /_sandbox/settle`)."""
    with state.lock:
        bucket = _init(state.data[target])
        for transaction in bucket["transactions"].values():
            transaction["settleAt"] = float("-inf")
        _settle(bucket)
    sandbox_instant.settle_all(state, target)


def _settle(bucket) -> None:
    """Finish every transaction whose time has come, in request order."""
    now = time.monotonic()
    for transaction in bucket["transactions"].values():
        if transaction["status"] != "REQUESTED" or transaction["settleAt"] > now:
            continue
        coupon = bucket["coupons"][transaction["couponId"]]
        if transaction["type"] == "COUPON_EXPIRE":
            coupon["expired"], coupon["expiring"] = True, False
            coupon["couponStatus"] = "EXPIRED"
            _release(bucket, transaction["couponId"])
            transaction["status"] = "DONE"
            continue
        if coupon["destroyed"]:
            transaction["failures"] = [
                {"vendorItemId": i, "failureReason": "삭제된 프로모션 입니다."}
                for i in transaction["items"]
            ]
            transaction["status"] = "FAIL"
            continue
        failures = []
        for item in transaction["items"]:
            owner = bucket["owners"].get(item)
            if owner is not None and owner != transaction["couponId"]:
                failures.append(
                    {
                        "vendorItemId": item,
                        "failureReason": f"[CIR14] 해당 옵션은 이미 다른 쿠폰({owner})에 발행되어져 있습니다.",
                    }
                )
        if failures:
            # Coupang destroys a coupon whose items could not be attached.
            transaction["failures"] = failures
            transaction["status"] = "FAIL"
            coupon["destroyed"] = True
            coupon["couponStatus"] = "DETACHED"
            _release(bucket, transaction["couponId"])
            continue
        for item in transaction["items"]:
            bucket["owners"][item] = transaction["couponId"]
            if item not in coupon["items"]:
                coupon["items"].append(item)
        transaction["status"] = "DONE"


def _release(bucket, coupon_id) -> None:
    for item, owner in list(bucket["owners"].items()):
        if owner == coupon_id:
            del bucket["owners"][item]


def _transaction_status(req, bucket) -> SandboxResponse:
    transaction_id = req.params.get("requestTransactionId", "")
    transaction = bucket["transactions"].get(transaction_id)
    if transaction is None:
        return _error(req, 500, "시스템 오류")
    status = transaction["status"]
    if status == "DONE":
        status = _setting(req, "done_word", "DONE")
    items = transaction["items"]
    failed = len(transaction["failures"])
    return SandboxResponse(
        json={
            "transactionStatusResponse": {
                "type": transaction["type"],
                "total": len(items),
                "succeeded": len(items) - failed if transaction["status"] == "DONE" else 0,
                "failed": failed,
                "status": status,
                "requestedId": transaction_id,
                "couponId": transaction["couponId"],
                "couponFailedVendorItemIdResponses": transaction["failures"],
            }
        }
    )


# --- read ---------------------------------------------------------------------------------------
def _status(coupon: dict) -> str:
    if coupon["expired"]:
        return "EXPIRED"
    if coupon.get("expiring"):
        return "EXPIRING"
    now = _now()
    if _parse_date(coupon["endDate"]) <= now:
        return "EXPIRED"
    if coupon["items"] and _parse_date(coupon["startDate"]) <= now:
        return "APPLIED"
    return "STANDBY"


def _get_one(req, bucket, raw_id: str) -> SandboxResponse:
    key = _coupon_key(bucket, raw_id)
    if key is None:
        return _error(req, 404, f"존재 하지 않는 프로모션 ({raw_id})")
    coupon = bucket["coupons"][key]
    if coupon["destroyed"]:
        return _error(req, 400, "삭제된 프로모션 입니다.")
    policies = []
    for p in coupon["couponPolicies"]:
        p = dict(p)
        p["maximumPerDay"] = p.pop("maximumPerDaily")  # get-one names the daily limit differently
        policies.append(p)
    return SandboxResponse(
        json={
            "couponId": key,
            "title": coupon["title"],
            "couponType": "DOWNLOAD",
            "couponStatus": _status(coupon),
            "publishedDate": coupon["publishedDate"],
            "startDate": coupon["startDate"],
            "endDate": coupon["endDate"],
            "appliedOptionCount": len(coupon["items"]),
            "usageAmount": 0,
            "couponPolicies": policies,
        }
    )


TARGET = SandboxTarget(name="coupang", prefixes=("/v2/providers/",), handle=handle, settle=settle)
