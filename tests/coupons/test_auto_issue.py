"""issue_auto_coupons: who gets what, idempotent per round, limits, counters, dry run; 100,000 members on PostgreSQL."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from coupons import codes
from coupons.errors import IssueRefused
from coupons.issuing import coupon_issue
from coupons.models import MemberCoupon, MemberPromotionCounter, Promotion
from tests.coupons.issuing_factories import auto_promotion, member, members_sql

pytestmark = pytest.mark.django_db

G = codes.Grade
RUN_DATE = date(2026, 5, 1)


def run(*args) -> str:
    out = io.StringIO()
    call_command("issue_auto_coupons", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def summary_numbers(line: str) -> dict:
    return {
        k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line) if k not in ("type", "round", "date")
    }


def coupons_of(promotion) -> list[tuple]:
    return list(
        MemberCoupon.objects.filter(promotion=promotion)
        .order_by("member_id", "seq")
        .values_list("member_id", "seq", "channel", "system_user_no", "auto_issu_odr", "status")
    )


@pytest.fixture
def birthday_members():
    for i, grade in enumerate([G.GOLD, G.VIP, G.VVIP, G.GOLD, G.GREEN], start=1):
        member(f"B{i}", grade=grade, birthday=date(1990, 5, 1))
    member("X1", grade=G.VIP, birthday=date(1990, 5, 2))
    member("X2", grade=G.VIP, birthday=None)


def test_birthday_round_issues_qty_copies_to_eligible_members_once(birthday_members):
    promotion = auto_promotion(
        "2101", auto_issu_qty=2, mbr_issu_lmt_qty=2, grade_cds=[G.GOLD], upr_grade_aply_yn=True
    )
    line = run("--type", "2101", "--round", "20260501", "--date", "2026-05-01", "--chunk-size", "2")
    assert re.fullmatch(
        r"auto-issue type=2101 round=20260501 date=2026-05-01: promotions=1 members considered=5 issued=4 "
        r"coupons=8 skipped: GRADE_NOT_ELIGIBLE=1 seconds=\d+\.\d",
        line,
    ), line
    assert coupons_of(promotion) == [
        (m, s, "BATCH", "BATCH", "20260501", "ISSUED")
        for m in ("B1", "B2", "B3", "B4")
        for s in (1, 2)
    ]
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 8
    # Set-based rounds write no counter rows (a missing row means "count the copies held").
    assert not MemberPromotionCounter.objects.filter(promotion=promotion).exists()
    issued_at = set(
        MemberCoupon.objects.filter(promotion=promotion).values_list(
            "issued_at", "valid_from", "valid_until"
        )
    )
    assert len(issued_at) == 1
    ((at, vf, vu),) = issued_at
    assert vf == at and vu == at + timedelta(days=30)

    again = run("--type", "2101", "--round", "20260501", "--date", "2026-05-01")
    assert summary_numbers(again) == {
        "promotions": 1,
        "considered": 5,
        "issued": 0,
        "coupons": 0,
        "ALREADY_ISSUED": 4,
        "GRADE_NOT_ELIGIBLE": 1,
        "seconds": summary_numbers(again)["seconds"],
    }
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 8

    # A new round meets the per-member limit (2 held of 2): nothing more, counted as MEMBER_LIMIT.
    nxt = summary_numbers(run("--type", "2101", "--round", "20270501", "--date", "2026-05-01"))
    assert (nxt["issued"], nxt["MEMBER_LIMIT"]) == (0, 4)
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 8


def test_counter_created_later_starts_from_the_copies_held(birthday_members):
    """A BO issue after a round counts the round's copies, and a later round keeps that row exact."""
    promotion = auto_promotion("2101", auto_issu_qty=1, mbr_issu_lmt_qty=3)
    run("--type", "2101", "--round", "R1", "--date", "2026-05-01")
    assert MemberCoupon.objects.filter(promotion=promotion, member_id="B1").count() == 1
    coupon_issue(member="B1", promotion=promotion, channel=codes.Channel.BO, auto_issu_odr="BO-1")
    assert MemberPromotionCounter.objects.get(promotion=promotion, member_id="B1").issued_qty == 2
    run("--type", "2101", "--round", "R2", "--date", "2026-05-01")
    assert MemberPromotionCounter.objects.get(promotion=promotion, member_id="B1").issued_qty == 3
    assert MemberCoupon.objects.filter(promotion=promotion, member_id="B1").count() == 3
    # B1 is now at its limit of 3: the next round passes it by, the others get their third copy.
    nxt = summary_numbers(run("--type", "2101", "--round", "R3", "--date", "2026-05-01"))
    assert (
        nxt["MEMBER_LIMIT"] == 1
        and MemberCoupon.objects.filter(promotion=promotion, member_id="B1").count() == 3
    )
    with pytest.raises(IssueRefused) as info:
        coupon_issue(
            member="B1", promotion=promotion, channel=codes.Channel.BO, auto_issu_odr="BO-2"
        )
    assert info.value.code == "MEMBER_LIMIT"
    # 5 members × R1, R2, R3 (B1 skipped in R3) + B1's BO copy = 15 - 1 + 1 = 15.
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 15


def test_total_limit_is_respected_in_member_order(birthday_members):
    promotion = auto_promotion("2101", auto_issu_qty=2, mbr_issu_lmt_qty=5, issu_lmt_qty=5)
    numbers = summary_numbers(
        run("--type", "2101", "--round", "R1", "--date", "2026-05-01", "--chunk-size", "3")
    )
    assert (numbers["considered"], numbers["issued"], numbers["coupons"], numbers["SOLD_OUT"]) == (
        5,
        2,
        4,
        3,
    )
    assert [m for m, *_ in coupons_of(promotion)] == ["B1", "B1", "B2", "B2"]
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 4


def test_the_round_shares_counters_with_other_paths(birthday_members):
    promotion = auto_promotion("2101", auto_issu_qty=1, mbr_issu_lmt_qty=1)
    coupon_issue(member="B2", promotion=promotion, channel=codes.Channel.BO)  # holds its one copy
    coupon_issue(member="B3", promotion=promotion, channel=codes.Channel.BATCH, auto_issu_odr="R1")
    numbers = summary_numbers(run("--type", "2101", "--round", "R1", "--date", "2026-05-01"))
    assert (numbers["issued"], numbers["ALREADY_ISSUED"], numbers["MEMBER_LIMIT"]) == (3, 1, 1)
    assert sorted(
        MemberCoupon.objects.filter(promotion=promotion).values_list("member_id", flat=True)
    ) == ["B1", "B2", "B3", "B4", "B5"]
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 5


def test_days_before_leap_day_and_sign_up():
    member("P1", birthday=date(1990, 5, 8))  # 7 days after the run date
    member("L1", birthday=date(1992, 2, 29))  # leap-day birthday, run on 28 Feb of a common year
    seoul = timezone.get_current_timezone()
    member("J1", joined_at=datetime(2026, 5, 1, 0, 30, tzinfo=seoul))
    member("J2", joined_at=datetime(2026, 4, 30, 23, 59, tzinfo=seoul))
    before = auto_promotion(
        "2101", auto_issu_potm_cd=codes.AutoIssueTiming.BEFORE, anvy_pre_isu_dds=7
    )
    assert (
        summary_numbers(run("--type", "2101", "--round", "R", "--date", "2026-05-01"))["issued"]
        == 1
    )
    assert [m for m, *_ in coupons_of(before)] == ["P1"]
    assert (
        summary_numbers(run("--type", "2101", "--round", "F", "--date", "2027-02-21"))["issued"]
        == 1
    )
    assert MemberCoupon.objects.filter(promotion=before, auto_issu_odr="F").get().member_id == "L1"
    signup = auto_promotion("1001")
    assert (
        summary_numbers(run("--type", "1001", "--round", "S", "--date", "2026-05-01"))["issued"]
        == 1
    )
    assert [m for m, *_ in coupons_of(signup)] == ["J1"]


def test_dry_run_writes_nothing(birthday_members):
    promotion = auto_promotion("2101", issu_lmt_qty=3, mbr_issu_lmt_qty=1)
    numbers = summary_numbers(
        run(
            "--type",
            "2101",
            "--round",
            "R1",
            "--date",
            "2026-05-01",
            "--dry-run",
            "--chunk-size",
            "2",
        )
    )
    assert (numbers["considered"], numbers["issued"], numbers["SOLD_OUT"]) == (5, 3, 2)
    assert MemberCoupon.objects.count() == 0
    assert MemberPromotionCounter.objects.count() == 0
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 0


def test_unsupported_type_and_inactive_promotions(birthday_members):
    with pytest.raises(CommandError, match="AUTO_ISSUE_TYPE_UNSUPPORTED"):
        run("--type", "3001", "--round", "R1")
    ended = auto_promotion("2101")
    Promotion.objects.filter(pk=ended.pk).update(promo_stat_cd=codes.PromoStatus.SUSPENDED)
    numbers = summary_numbers(run("--type", "2101", "--round", "R1", "--date", "2026-05-01"))
    assert (numbers["promotions"], numbers["considered"], numbers["issued"]) == (0, 0, 0)
    assert MemberCoupon.objects.count() == 0


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_100000_members_in_one_run_then_the_same_round_issues_nothing():
    members_sql(100_000, first=800_000_000, birthday="1990-05-01")
    members_sql(1_000, first=900_000_000, birthday="1990-06-01")
    promotion = auto_promotion("2101", auto_issu_qty=1, mbr_issu_lmt_qty=1)

    line = run("--type", "2101", "--round", "20260501", "--date", "2026-05-01")
    print(line)
    numbers = summary_numbers(line)
    assert (
        numbers["promotions"],
        numbers["considered"],
        numbers["issued"],
        numbers["coupons"],
    ) == (1, 100_000, 100_000, 100_000)
    assert "skipped: none" in line
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 100_000
    assert MemberCoupon.objects.filter(promotion=promotion, member_id__gte="900000000").count() == 0
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 100_000
    assert not MemberPromotionCounter.objects.filter(promotion=promotion).exists()

    again = summary_numbers(run("--type", "2101", "--round", "20260501", "--date", "2026-05-01"))
    assert (again["issued"], again["ALREADY_ISSUED"]) == (0, 100_000)
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 100_000
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 100_000
