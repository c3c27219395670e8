"""What both halves of the Coupang sandbox use (the downloadable coupons' `sandbox.py` and the
instant coupons' `sandbox_instant.py`): Korean time, settings, the vendor, error bodies, contracts."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from marketplaces.sandbox.server import SandboxRequest, SandboxResponse

KST = ZoneInfo("Asia/Seoul")
FMT = "%Y-%m-%d %H:%M:%S"
DEFAULT_CONTRACTS = [
    {
        "contractId": 15,
        "vendorContractId": -1,
        "type": "NON_CONTRACT_BASED",
        "sellerShareRatio": 100.0,
        "start": "2019-01-01 00:00:00",
        "end": "2099-12-31 23:59:59",
    },
    {
        "contractId": 16,
        "vendorContractId": 2001,
        "type": "CONTRACT_BASED",
        "sellerShareRatio": 50.0,
        "start": "2019-01-01 00:00:00",
        "end": "2099-12-31 23:59:59",
    },
]


def _now() -> datetime:
    return datetime.now(KST)


def _kst(value: datetime) -> str:
    return value.astimezone(KST).strftime(FMT)


def _setting(req: SandboxRequest, name: str, default):
    return req.config.get(name, default)


def _django(name: str, default: str) -> str:
    try:
        from django.conf import settings

        return str(getattr(settings, name, default))
    except Exception:
        return default


def _vendor(req) -> str:
    return _setting(req, "vendor_id", None) or _django("COUPANG_VENDOR_ID", "A00012345")


def _error(req: SandboxRequest, status: int, message: str) -> SandboxResponse:
    shape = _setting(req, "error_shape", "both")
    body = {"code": "ERROR", "httpStatus": status, "transactionId": uuid.uuid4().hex}
    if shape in ("both", "message"):
        body["message"] = message
    if shape in ("both", "errorMessage"):
        body["errorMessage"] = message
    return SandboxResponse(status=status, json=body)


def _contracts(req) -> list[dict]:
    return _setting(req, "contracts", DEFAULT_CONTRACTS)


def _parse_date(value) -> datetime | None:
    try:
        return datetime.strptime(str(value), FMT).replace(tzinfo=KST)
    except ValueError:
        return None
