"""The sandbox's Coupang instant-discount coupons (즉시할인쿠폰), served by `sandbox.py`'s handler
after its gateway checks (signature, rate limit) and fault injection.

State (`bucket["instant"]`, under `req.state.lock`):
    coupons    {couponId: coupon dict}; `items` a set-like list, `expired` / `expiring` flags
    requests   {requestedId: request dict}; REQUESTED until `settle_seconds` after it was made,
               then DONE or FAIL (a create makes its coupon only then)

Settings (the coupang target's, `handle.configure("coupang", …)`):
    instant_page_size_max (100), instant_pagination (True: answer `data.pagination`; False: leave
    it out, as the contract does not settle it), instant_fail_items ({vendorItemId: reason} or a
    list: those options FAIL when added), instant_min_start_lead_seconds (0: a start in the past
    is refused), done_word ("DONE" | "SUCCESS", shared with the downloadable coupons).

Adding an option a coupon already has is taken and changes nothing (the coupon's options are a
set): whether Coupang does the same is not settled by the contract. Messages the contract does
not give are marked "(sandbox wording)".

`put_coupon(state, …)` writes a coupon straight into the state, as if made in WING behind the
back-office's back (tests of the reconcile).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta

from marketplaces.sandbox.server import SandboxResponse

from . import sandbox_common as s

PREFIX = r"^/v2/providers/fms/apis/api"
CREATE_OR_GET = re.compile(rf"{PREFIX}/v2/vendors/(?P<vendor>[^/]+)/coupon$")
LIST = re.compile(rf"{PREFIX}/v2/vendors/(?P<vendor>[^/]+)/coupons$")
ITEMS = re.compile(rf"{PREFIX}/v1/vendors/(?P<vendor>[^/]+)/coupons/(?P<id>[^/]+)/items$")
ONE = re.compile(rf"{PREFIX}/v1/vendors/(?P<vendor>[^/]+)/coupons/(?P<id>[^/]+)$")
REQUESTED = re.compile(rf"{PREFIX}/v1/vendors/(?P<vendor>[^/]+)/requested/(?P<id>[^/]+)$")
TYPES = ("RATE", "PRICE", "FIXED_WITH_QUANTITY")
STATUSES = ("STANDBY", "APPLIED", "PAUSED", "EXPIRED", "DETACHED")
MAX_ITEMS_PER_CALL = 10_000
NAME_MAX = 45
PERIOD_START = "startAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요."
PERIOD_END = "endAt 패턴을 확인하세요. yyyy-MM-dd HH:mm:ss, 프로모션 기간을 확인해주세요."


def _state(bucket: dict) -> dict:
    instant = bucket.setdefault("instant", {})
    instant.setdefault("coupons", {})
    instant.setdefault("requests", {})
    instant.setdefault("next_id", 81000001)
    return instant


def _ok(content, pagination=None) -> SandboxResponse:
    return SandboxResponse(
        json={
            "code": 200,
            "message": "OK",
            "httpStatus": 200,
            "httpStatusMessage": "OK",
            "errorMessage": "",
            "data": {"success": True, "content": content, "pagination": pagination},
        }
    )


def _error(req, status: int, message: str) -> SandboxResponse:
    response = s._error(req, status, message)
    response.json.update(
        {"httpStatusMessage": "Bad Request" if status == 400 else "Error", "data": None}
    )
    return response


def route(req, bucket: dict) -> SandboxResponse | None:
    """The answer to an instant-coupon request, or None when the path is not one."""
    path, method = req.path, req.method
    for pattern, handlers in (
        (CREATE_OR_GET, {"POST": _create, "GET": _get_one}),
        (LIST, {"GET": _list}),
        (ITEMS, {"POST": _add_items}),
        (ONE, {"PUT": _expire}),
        (REQUESTED, {"GET": _requested}),
    ):
        match = pattern.match(path)
        if match and method in handlers:
            if match["vendor"] != s._vendor(req):
                return _error(
                    req, 403, f"판매자={match['vendor']} 에 대한 권한이 없습니다. (sandbox wording)"
                )
            instant = _state(bucket)
            _settle(instant)
            return handlers[method](req, instant, match)
    return None


# --- create -------------------------------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _create_errors(req, body: dict) -> list[str]:
    errors = []
    vendor = s._vendor(req)
    contract_id = body.get("contractId")
    if not _is_int(contract_id) or contract_id not in {c["contractId"] for c in s._contracts(req)}:
        errors.append(f"contractId={contract_id} (으)로 계약이 판매자={vendor} 에 속하지 않습니다.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name 은 필수 입력입니다. (sandbox wording)")
    elif len(name) > NAME_MAX:
        errors.append("쿠폰명은 45자를 초과할 수 없습니다. (sandbox wording)")
    kind, discount, cap = body.get("type"), body.get("discount"), body.get("maxDiscountPrice")
    if kind not in TYPES:
        errors.append("type 은 RATE, PRICE, FIXED_WITH_QUANTITY 만 가능합니다. (sandbox wording)")
    elif kind == "RATE":
        if not (_is_int(discount) and 1 <= discount <= 99):
            errors.append("할인율은 1~99 사이의 정수만 입력 가능합니다. (sandbox wording)")
    elif not (_is_int(discount) and discount >= 10 and discount % 10 == 0):
        errors.append("금액 정보는 10원 단위로 입력해야 합니다.")
    if not (_is_int(cap) and cap >= 10):
        errors.append("maxDiscountPrice 는 10원 이상이어야 합니다. (sandbox wording)")
    if _bool(body.get("wowExclusive", False)) is None:
        errors.append("wowExclusive 는 true 또는 false 만 가능합니다. (sandbox wording)")
    start, end = s._parse_date(body.get("startAt")), s._parse_date(body.get("endAt"))
    lead = float(s._setting(req, "instant_min_start_lead_seconds", 0))
    earliest = s._now().replace(microsecond=0) + timedelta(seconds=lead) - timedelta(seconds=1)
    if start is None or start < earliest:
        errors.append(PERIOD_START)
    if end is None or (start is not None and end <= start):
        errors.append(PERIOD_END)
    return errors


def _new_request(req, instant, kind: str, coupon_id, **extra) -> str:
    requested_id = f"{int(time.time() * 1e6)}{uuid.uuid4().int % 100000:05d}"
    instant["requests"][requested_id] = {
        "type": kind,
        "couponId": coupon_id,
        "status": "REQUESTED",
        "total": 0,
        "failures": [],
        "settleAt": time.monotonic() + float(s._setting(req, "settle_seconds", 0.2)),
        **extra,
    }
    return requested_id


def _body(req):
    try:
        body = req.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _create(req, instant, match) -> SandboxResponse:
    body = _body(req)
    if body is None:
        return _error(req, 400, "요청 본문을 읽을 수 없습니다. (sandbox wording)")
    errors = _create_errors(req, body)
    if errors:
        return _error(req, 400, ", ".join(errors))
    requested_id = _new_request(
        req, instant, "COUPON_PUBLISH", None, body=body, vendor=s._vendor(req)
    )
    return _ok({"requestedId": requested_id, "success": True})


def _coupon_out(coupon: dict) -> dict:
    out = {k: v for k, v in coupon.items() if k not in ("items", "expired", "expiring", "status")}
    out["status"] = _status(coupon)
    return out


def _status(coupon: dict) -> str:
    if coupon.get("status"):  # set by `put_coupon`
        return coupon["status"]
    if coupon["expired"]:
        return "EXPIRED"
    now = s._now()
    if s._parse_date(coupon["endAt"]) <= now:
        return "EXPIRED"
    if s._parse_date(coupon["startAt"]) <= now:
        return "APPLIED"
    return "STANDBY"


def _make_coupon(instant, body: dict, vendor: str, **overrides) -> dict:
    coupon_id = instant["next_id"]
    instant["next_id"] += 1
    coupon = {
        "couponId": coupon_id,
        "contractId": body.get("contractId"),
        "vendorId": vendor,
        "name": body.get("name"),
        "type": body.get("type"),
        "discount": body.get("discount"),
        "maxDiscountPrice": body.get("maxDiscountPrice"),
        "startAt": body.get("startAt"),
        "endAt": body.get("endAt"),
        "wowExclusive": bool(_bool(body.get("wowExclusive", False))),
        "createdAt": s._kst(s._now()),
        "items": [],
        "expired": False,
        "expiring": False,
        **overrides,
    }
    instant["coupons"][coupon_id] = coupon
    return coupon


# --- items, expire, requests --------------------------------------------------------------------
def _coupon(instant, raw_id):
    try:
        return instant["coupons"].get(int(raw_id))
    except (TypeError, ValueError):
        return None


def _add_items(req, instant, match) -> SandboxResponse:
    coupon = _coupon(instant, match["id"])
    if coupon is None:
        return _error(req, 404, f"존재 하지 않는 쿠폰 ({match['id']}) (sandbox wording)")
    body = _body(req) or {}
    items = body.get("vendorItems")
    if not isinstance(items, list) or not items or not all(_is_int(i) and i > 0 for i in items):
        return _error(
            req, 400, "vendorItems 는 1개 이상의 옵션ID 목록이어야 합니다. (sandbox wording)"
        )
    if len(items) > MAX_ITEMS_PER_CALL:
        return _error(
            req, 400, "한 번에 적용할 옵션ID 수는 10000개를 초과할 수 없음 (sandbox wording)"
        )
    if coupon["expired"] or coupon.get("expiring") or _status(coupon) == "EXPIRED":
        return _error(req, 400, "만료된 쿠폰에는 옵션을 추가할 수 없습니다. (sandbox wording)")
    failing = _failing_items(req)
    requested_id = _new_request(
        req,
        instant,
        "COUPON_ITEM",
        coupon["couponId"],
        items=list(items),
        total=len(items),
        fail={i: failing[i] for i in items if i in failing},
    )
    return _ok({"requestedId": requested_id, "success": True})


def _expire(req, instant, match) -> SandboxResponse:
    if req.params.get("action") != "expire":
        return _error(req, 400, "action 값을 확인하세요. (sandbox wording)")
    coupon = _coupon(instant, match["id"])
    if coupon is None:
        return _error(req, 404, f"존재 하지 않는 쿠폰 ({match['id']}) (sandbox wording)")
    if coupon["expired"] or _status(coupon) == "EXPIRED":
        return _error(req, 400, "이미 만료된 쿠폰입니다. (sandbox wording)")
    coupon["expiring"] = True
    requested_id = _new_request(req, instant, "COUPON_EXPIRE", coupon["couponId"])
    return _ok({"requestedId": requested_id, "success": True})


def _failing_items(req) -> dict:
    configured = s._setting(req, "instant_fail_items", {}) or {}
    if isinstance(configured, list):
        return {int(i): "판매 중지된 옵션입니다. (sandbox wording)" for i in configured}
    return {int(k): str(v) for k, v in configured.items()}


def _settle(instant, *, now: float | None = None) -> None:
    """Finish every request whose time has come, in the order they were made."""
    now = time.monotonic() if now is None else now
    for request in instant["requests"].values():
        if request["status"] != "REQUESTED" or request["settleAt"] > now:
            continue
        if request["type"] == "COUPON_PUBLISH":
            coupon = _make_coupon(instant, request.pop("body"), request["vendor"])
            request.update(couponId=coupon["couponId"], total=1, status="DONE")
            continue
        coupon = instant["coupons"][request["couponId"]]
        if request["type"] == "COUPON_EXPIRE":
            coupon.update(expired=True, expiring=False)
            coupon.pop("status", None)
            request["status"] = "DONE"
            continue
        failing = request["fail"]
        failures = [
            {"vendorItemId": i, "reason": failing[i]} for i in request["items"] if i in failing
        ]
        present = set(coupon["items"])
        for item in request["items"]:
            if item not in failing and item not in present:
                coupon["items"].append(item)
                present.add(item)
        request["failures"] = failures
        request["status"] = "FAIL" if failures else "DONE"


def settle_all(state, target: str) -> None:
    """Finish every pending instant-coupon request now (part of the target's `settle`)."""
    with state.lock:
        instant = _state(state.data[target])
        _settle(instant, now=float("inf"))


def _requested(req, instant, match) -> SandboxResponse:
    request = instant["requests"].get(match["id"])
    if request is None:
        return _error(req, 404, f"존재하지 않는 요청입니다 ({match['id']}). (sandbox wording)")
    status = request["status"]
    failed = len(request["failures"])
    return _ok(
        {
            "requestedId": match["id"],
            "type": request["type"],
            "status": s._setting(req, "done_word", "DONE") if status == "DONE" else status,
            "couponId": request["couponId"],
            "total": request["total"],
            "succeeded": request["total"] - failed if status != "REQUESTED" else 0,
            "failed": failed,
            "failedVendorItems": request["failures"],
        }
    )


# --- read ---------------------------------------------------------------------------------------
def _get_one(req, instant, match) -> SandboxResponse:
    raw = req.params.get("couponId")
    coupon = _coupon(instant, raw)
    if coupon is None:
        return _error(req, 404, f"존재 하지 않는 쿠폰 ({raw}) (sandbox wording)")
    return _ok(_coupon_out(coupon))


def _list(req, instant, match) -> SandboxResponse:
    params = req.params
    status = params.get("status", "")
    if status not in STATUSES:
        return _error(req, 400, f"status={status} 값을 확인하세요. (sandbox wording)")
    try:
        page, size = int(params.get("page", "1")), int(params.get("size", "10"))
    except ValueError:
        return _error(req, 400, "page, size 는 숫자만 입력 가능합니다. (sandbox wording)")
    largest = int(s._setting(req, "instant_page_size_max", 100))
    if page < 1 or not 1 <= size <= largest:
        return _error(req, 400, f"size 는 1~{largest} 사이여야 합니다. (sandbox wording)")
    matching = sorted(
        (c for c in instant["coupons"].values() if _status(c) == status),
        key=lambda c: c["couponId"],
        reverse=params.get("sort", "desc") != "asc",
    )
    total_pages = max(1, -(-len(matching) // size))
    content = [_coupon_out(c) for c in matching[(page - 1) * size : page * size]]
    pagination = {
        "currentPage": page,
        "countPerPage": size,
        "totalPages": total_pages,
        "totalElements": len(matching),
    }
    if not s._setting(req, "instant_pagination", True):
        pagination = None
    return _ok(content, pagination)


# --- test control -------------------------------------------------------------------------------
def put_coupon(state, *, target: str = "coupang", items=(), status: str = "", **fields) -> int:
    """Write an instant coupon straight into the sandbox's state, as if made in WING; returns its
    couponId. `fields` are the contract's names (`name`, `type`, `discount`, `maxDiscountPrice`,
    `startAt`, `endAt` as "yyyy-MM-dd HH:mm:ss" or datetimes, `wowExclusive`, `contractId`);
    `status` pins the status the API answers."""
    now = s._now().replace(microsecond=0)
    body = {
        "contractId": 15,
        "name": "WING에서 만든 쿠폰",
        "type": "RATE",
        "discount": 10,
        "maxDiscountPrice": 1000,
        "startAt": now + timedelta(hours=1),
        "endAt": now + timedelta(days=7),
        "wowExclusive": False,
        **fields,
    }
    for key in ("startAt", "endAt"):
        if isinstance(body[key], datetime):
            body[key] = s._kst(body[key])
    with state.lock:
        instant = _state(state.data[target])
        vendor = state.config[target].get("vendor_id") or s._django("COUPANG_VENDOR_ID", "")
        coupon = _make_coupon(instant, body, vendor, items=list(items))
        if status:
            coupon["status"] = status
        return coupon["couponId"]


def update_coupon(state, coupon_id: int, *, target: str = "coupang", **fields) -> None:
    """Change a coupon in the sandbox's state behind the back-office's back (contract names)."""
    with state.lock:
        coupon = _state(state.data[target])["coupons"][int(coupon_id)]
        for key, value in fields.items():
            coupon[key] = s._kst(value) if isinstance(value, datetime) else value
