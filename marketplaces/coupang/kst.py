"""Korean time as Coupang writes it: `yyyy-MM-dd HH:mm:ss`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def format_kst(value: datetime) -> str:
    return value.astimezone(KST).strftime(DATETIME_FORMAT)


def parse_kst(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, DATETIME_FORMAT).replace(tzinfo=KST)
    except ValueError:
        return None
