"""Promotion targets as people read them: a target's number with the name we know (a goods' or an
exhibition's name, the goods count of a vendor, brand or display category), the searchable picker
behind the target row's number, and the "paste many" check of pasted numbers.

A target's `tgt_no` means a goods, an exhibition, a vendor (entr_no), a brand (brand_no), a
display category or a site depending on `aply_typ_cd`; there is no model to point an
`autocomplete_fields` at, so `target_autocomplete` answers select2 the way Django's autocomplete
view does, by type. Every search is served by an index: numbers by prefix on the indexed columns
(their `varchar_pattern_ops` indexes), exhibition names on a small table, goods names by
`icontains` (a scan of the goods mirror: ~40 ms at 100k goods on the bench database).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils.translation import gettext

from coupons import codes
from coupons.models import Exhibition, Goods

PAGE = 20

# the goods column a derived target type counts goods by
GOODS_COLUMN = {
    codes.TargetType.VENDOR: "entr_no",
    codes.TargetType.BRAND: "brand_no",
    codes.TargetType.DISPLAY_CATEGORY: "disp_ctg_no",
    codes.TargetType.SITE: "site_no",
}
# the permission a picker of each type needs (what it reads)
TYPE_PERMISSION = {
    codes.TargetType.GOODS: "coupons.view_goods",
    codes.TargetType.EXHIBITION: "coupons.view_exhibition",
    codes.TargetType.VENDOR: "coupons.view_goods",
    codes.TargetType.BRAND: "coupons.view_goods",
    codes.TargetType.DISPLAY_CATEGORY: "coupons.view_goods",
    codes.TargetType.SITE: "coupons.view_goods",
}


def _goods_count(n: int) -> str:
    return gettext("상품 %(count)s개") % {"count": f"{n:,}"}


def target_names(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(aply_typ_cd, tgt_no): what we know of it} for the pairs we know anything of: a goods'
    or an exhibition's name, the goods count of a vendor, brand, category or site. One query
    per type present."""
    by_type: dict[str, set[str]] = {}
    for typ, no in pairs:
        by_type.setdefault(str(typ), set()).add(str(no))
    names: dict[tuple[str, str], str] = {}
    for typ, numbers in by_type.items():
        if typ == codes.TargetType.GOODS:
            rows = Goods.objects.filter(goods_no__in=numbers).values_list("goods_no", "goods_nm")
        elif typ == codes.TargetType.EXHIBITION:
            rows = Exhibition.objects.filter(exhibition_no__in=numbers).values_list(
                "exhibition_no", "exhibition_nm"
            )
        elif typ in GOODS_COLUMN:
            column = GOODS_COLUMN[typ]
            rows = [
                (no, _goods_count(n))
                for no, n in Goods.objects.filter(**{f"{column}__in": numbers})
                .values(column)
                .annotate(n=Count("goods_no"))
                .values_list(column, "n")
            ]
        else:
            continue
        names.update(((typ, str(no)), name) for no, name in rows)
    return names


def target_label(typ: str, no: str, names: dict[tuple[str, str], str]) -> str:
    """`2000003 상품명`, `E100 (상품 25개)`, or the bare number when we know nothing of it."""
    name = names.get((str(typ), str(no)))
    if not name:
        return str(no)
    if typ in GOODS_COLUMN:
        return f"{no} ({name})"
    return f"{no} {name}"


def targets_display(targets: Iterable[dict]) -> list[str]:
    """`적용 상품 2000003 상품명` per target, in the order given."""
    targets = list(targets)
    names = target_names((t["aply_typ_cd"], t["tgt_no"]) for t in targets)
    return [
        f"{codes.ApplyKind(t['aply_gb_cd']).label} {codes.TargetType(t['aply_typ_cd']).label} "
        f"{target_label(t['aply_typ_cd'], t['tgt_no'], names)}"
        for t in targets
    ]


def known_numbers(typ: str, numbers: Iterable[str]) -> set[str]:
    """Which of `numbers` the mirror knows as a target of type `typ` (a goods, an exhibition, or
    a vendor / brand / category / site some goods carries)."""
    numbers = {str(n) for n in numbers}
    if not numbers:
        return set()
    if typ == codes.TargetType.GOODS:
        found = Goods.objects.filter(goods_no__in=numbers).values_list("goods_no", flat=True)
    elif typ == codes.TargetType.EXHIBITION:
        found = Exhibition.objects.filter(exhibition_no__in=numbers).values_list(
            "exhibition_no", flat=True
        )
    else:
        column = GOODS_COLUMN[typ]
        found = (
            Goods.objects.filter(**{f"{column}__in": numbers})
            .order_by()
            .values_list(column, flat=True)
            .distinct()
        )
    return set(found)


def target_search(typ: str, term: str, *, page: int = 1) -> tuple[list[dict], bool]:
    """select2's results [{id, text}] for `term` among targets of type `typ`, PAGE a page, and
    whether there are more."""
    term = term.strip()
    start = (max(page, 1) - 1) * PAGE
    if typ == codes.TargetType.GOODS:
        qs = Goods.objects.order_by("goods_no")
        if term.isdigit():
            qs = qs.filter(goods_no__startswith=term)
        elif term:
            qs = qs.filter(goods_nm__icontains=term)
        rows = [
            (no, f"{no} {nm}")
            for no, nm in qs.values_list("goods_no", "goods_nm")[start : start + PAGE + 1]
        ]
    elif typ == codes.TargetType.EXHIBITION:
        qs = Exhibition.objects.order_by("exhibition_no")
        if term:
            qs = qs.filter(Q(exhibition_no__istartswith=term) | Q(exhibition_nm__icontains=term))
        rows = [
            (no, f"{no} {nm}")
            for no, nm in qs.values_list("exhibition_no", "exhibition_nm")[start : start + PAGE + 1]
        ]
    elif typ in GOODS_COLUMN:
        column = GOODS_COLUMN[typ]
        qs = Goods.objects.exclude(**{column: ""})
        if term:
            qs = qs.filter(**{f"{column}__startswith": term})
        grouped = qs.order_by(column).values(column).annotate(n=Count("goods_no"))
        rows = [
            (row[column], f"{row[column]} ({_goods_count(row['n'])})")
            for row in grouped[start : start + PAGE + 1]
        ]
    else:
        rows = []
    return [{"id": no, "text": text} for no, text in rows[:PAGE]], len(rows) > PAGE


def target_autocomplete(request):
    """GET ?type=<MK014>&term=&page=: select2's JSON, as Django's autocomplete view answers it.
    403 for a user who may not view what the type reads (goods, exhibitions) or edit promotions."""
    typ = request.GET.get("type", "")
    if typ not in TYPE_PERMISSION:
        return JsonResponse(
            {"code": "BAD_TYPE", "message": gettext("적용대상유형을 먼저 고르세요."), "fields": {}},
            status=400,
        )
    user = request.user
    if not (
        user.has_perm(TYPE_PERMISSION[typ])
        and (user.has_perm("coupons.change_promotion") or user.has_perm("coupons.add_promotion"))
    ):
        raise PermissionDenied
    try:
        page = int(request.GET.get("page") or 1)
    except ValueError:
        page = 1
    results, more = target_search(typ, request.GET.get("term", ""), page=page)
    return JsonResponse({"results": results, "pagination": {"more": more}})
