"""Builders for the issuing tests: approved promotions (through the real services) and members."""

from __future__ import annotations

from django.db import connection

from coupons import codes
from coupons.models import Member, Promotion
from coupons.services import promotion_approve, promotion_create
from tests.factories import promotion_data, user


def staff(username: str, role: str | None = None, **kwargs):
    from django.contrib.auth import get_user_model

    existing = get_user_model().objects.filter(username=username).first()
    return existing or user(username, role, **kwargs)


def ensure_codes() -> None:
    """Seed the code tables again: a transactional test's flush empties what migrations seeded."""
    from coupons.models import CommonCode

    if not CommonCode.objects.filter(group="MK008").exists():
        for group, (_label, source) in codes.CODE_GROUPS.items():
            entries = (
                source if isinstance(source, list) else [(c.value, str(c.label)) for c in source]
            )
            CommonCode.objects.bulk_create(
                [
                    CommonCode(group=group, code=code, name=name, sort_order=i)
                    for i, (code, name) in enumerate(entries, 1)
                ],
                ignore_conflicts=True,
            )


def approved_promotion(**overrides) -> Promotion:
    """An APPROVED, in-period promotion created and approved by two different merchandisers."""
    ensure_codes()
    md = staff("issuing-md", "Merchandiser")
    approver = staff("issuing-md2", "Merchandiser")
    targets = overrides.pop("targets", None)
    promotion = promotion_create(user=md, data=promotion_data(**overrides), targets=targets)
    return promotion_approve(user=approver, promotion=promotion)


def cs_promotion(**overrides) -> Promotion:
    return approved_promotion(
        **{
            "cpn_issu_main_cd": codes.Issuer.CS,
            "cpn_issu_way_cd": codes.IssueMethod.TARGETED,
            **overrides,
        }
    )


def auto_promotion(type_cd: str = "2101", **overrides) -> Promotion:
    return approved_promotion(
        **{
            "cpn_issu_main_cd": codes.Issuer.AUTO,
            "cpn_issu_way_cd": codes.IssueMethod.AUTO,
            "auto_issu_typ_cd": type_cd,
            "auto_issu_potm_cd": codes.AutoIssueTiming.ON_DAY,
            "auto_issu_qty": 1,
            **overrides,
        }
    )


def member(mbr_no: str, grade: str = codes.Grade.GOLD, **kwargs) -> Member:
    return Member.objects.create(mbr_no=mbr_no, grade_cd=grade, **kwargs)


def members_sql(
    count: int,
    *,
    first: int = 500_000_000,
    grade: str = codes.Grade.GOLD,
    birthday: str | None = None,
) -> None:
    """`count` members numbered from `first`, inserted by one set-based statement."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO coupons_member (mbr_no, grade_cd, birthday, anniversary, joined_at, site_no) "
                "SELECT (%s + g)::text, %s, %s::date, NULL, NULL, '1' FROM generate_series(0, %s - 1) g",
                [first, grade, birthday, count],
            )
        else:
            cursor.execute(
                "WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n + 1 < %s) "
                "INSERT INTO coupons_member (mbr_no, grade_cd, birthday, anniversary, joined_at, site_no) "
                "SELECT CAST(%s + n AS TEXT), %s, %s, NULL, NULL, '1' FROM g",
                [count, first, grade, birthday],
            )
