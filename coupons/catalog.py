"""Upserts of the member and catalog mirror, shared by the CSV import commands and the bulk API.

Rows are dicts keyed by the API's camelCase names. Each row is validated on its own; a bad row is
reported with its index and reason and never stops the good ones. Writes are set-based: one
`bulk_create(update_conflicts=True)` per batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from . import codes
from .models import Exhibition, Goods, Member

BATCH_SIZE = 2000


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": [{"row": i, "reason": r} for i, r in self.rejected],
        }


class RowError(ValueError):
    pass


def _text(row: dict, key: str, *, required=True, max_length=20) -> str:
    value = row.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise RowError(f"{key}: 필수 항목입니다.")
    if "\x00" in value:
        raise RowError(f"{key}: 허용되지 않는 문자(NUL)가 있습니다.")
    if len(value) > max_length:
        raise RowError(f"{key}: {max_length}자 이하여야 합니다.")
    return value


def _date(row: dict, key: str) -> date | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise RowError(f"{key}: YYYY-MM-DD 형식의 날짜가 아닙니다: {value!r}")
    return parsed


def _datetime(row: dict, key: str) -> datetime | None:
    value = row.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
            if parsed is None and parse_date(text):
                parsed = datetime.combine(parse_date(text), datetime.min.time())
        except ValueError:
            parsed = None
    if parsed is None:
        raise RowError(f"{key}: ISO 8601 일시가 아닙니다: {value!r}")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _int(row: dict, key: str, *, minimum=0, maximum=10**12) -> int:
    value = row.get(key)
    try:
        number = int(str(value).strip().replace(",", "")) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise RowError(f"{key}: 정수가 아닙니다: {value!r}") from None
    if isinstance(value, bool) or not minimum <= number <= maximum:
        raise RowError(f"{key}: {minimum}~{maximum} 범위의 정수여야 합니다.")
    return number


def _member(row: dict) -> Member:
    grade = _text(row, "gradeCd", max_length=2)
    if grade not in codes.Grade.values:
        raise RowError(f"gradeCd: 알 수 없는 회원등급입니다: {grade!r} (10/20/30/40/50)")
    return Member(
        mbr_no=_text(row, "mbrNo"),
        grade_cd=grade,
        birthday=_date(row, "birthday"),
        anniversary=_date(row, "anniversary"),
        joined_at=_datetime(row, "joinedAt"),
        site_no=_text(row, "siteNo", required=False, max_length=10) or "1",
    )


def _goods(row: dict) -> Goods:
    return Goods(
        goods_no=_text(row, "goodsNo"),
        goods_nm=_text(row, "goodsNm", max_length=200),
        sale_price=_int(row, "salePrice"),
        entr_no=_text(row, "entrNo"),
        disp_ctg_no=_text(row, "dispCtgNo"),
        brand_no=_text(row, "brandNo", required=False),
        site_no=_text(row, "siteNo", required=False, max_length=10) or "1",
    )


def _upsert(
    model, build, rows: Iterable[dict], pk: str, update_fields: list[str], after_batch=None
) -> UpsertResult:
    result = UpsertResult()
    batch: list = []
    extras: list = []

    def flush():
        if not batch:
            return
        keys = [getattr(obj, pk) for obj in batch]
        existing = set(model.objects.filter(pk__in=keys).values_list("pk", flat=True))
        with transaction.atomic():
            model.objects.bulk_create(
                batch, update_conflicts=True, unique_fields=[pk], update_fields=update_fields
            )
            if after_batch:
                after_batch(extras)
        result.updated += len(existing)
        result.created += len(batch) - len(existing)
        batch.clear()
        extras.clear()

    seen: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        try:
            if not isinstance(row, dict):
                raise RowError("행이 객체가 아닙니다.")
            obj, extra = build(row)
            key = getattr(obj, pk)
            if key in seen:
                raise RowError(f"{key}: 같은 요청 안에서 {seen[key]}번째 행과 중복됩니다.")
            seen[key] = index
        except RowError as exc:
            result.rejected.append((index, str(exc)))
            continue
        batch.append(obj)
        extras.append(extra)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    return result


def members_upsert(rows: Iterable[dict]) -> UpsertResult:
    """Create or update members by mbrNo; returns counts and the rejected rows with reasons."""
    return _upsert(
        Member,
        lambda r: (_member(r), None),
        rows,
        "mbr_no",
        ["grade_cd", "birthday", "anniversary", "joined_at", "site_no"],
    )


def goods_upsert(rows: Iterable[dict]) -> UpsertResult:
    """Create or update goods by goodsNo; returns counts and the rejected rows with reasons."""
    return _upsert(
        Goods,
        lambda r: (_goods(r), None),
        rows,
        "goods_no",
        ["goods_nm", "sale_price", "entr_no", "disp_ctg_no", "brand_no", "site_no"],
    )


def _goods_list(row: dict) -> list[str]:
    value = row.get("goodsNoList")
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").replace("|", ",").split(",")]
    if not isinstance(value, list):
        raise RowError("goodsNoList: 상품번호 목록이어야 합니다.")
    return [str(v).strip() for v in value if str(v).strip()]


def exhibitions_upsert(rows: Iterable[dict]) -> UpsertResult:
    """Create or update exhibitions and replace their goods; unknown goods reject the row."""
    rows = list(rows)
    wanted = set()
    for row in rows:
        try:
            wanted.update(_goods_list(row) if isinstance(row, dict) else [])
        except RowError:
            pass
    known = set(Goods.objects.filter(goods_no__in=wanted).values_list("goods_no", flat=True))

    def build(row):
        goods = _goods_list(row)
        missing = [g for g in goods if g not in known]
        if missing:
            raise RowError("goodsNoList: 없는 상품번호입니다: " + ", ".join(missing[:10]))
        exhibition = Exhibition(
            exhibition_no=_text(row, "exhibitionNo"),
            exhibition_nm=_text(row, "exhibitionNm", max_length=200),
        )
        return exhibition, (exhibition.exhibition_no, goods)

    def link(extras):
        through = Exhibition.goods.through
        numbers = [no for no, _ in extras]
        through.objects.filter(exhibition_id__in=numbers).delete()
        through.objects.bulk_create(
            [
                through(exhibition_id=no, goods_id=g)
                for no, goods in extras
                for g in dict.fromkeys(goods)
            ]
        )

    return _upsert(Exhibition, build, rows, "exhibition_no", ["exhibition_nm"], after_batch=link)
