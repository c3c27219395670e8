"""CS compensation: preview lists each member's problem and issues nothing; a submission issues once;
above 1,000 members a background job with progress; the outcome as CSV."""

import csv
import io
import uuid

import pytest

from backoffice.jobs.services import jobs_join_inprocess
from coupons import codes, errors
from coupons.compensation import (
    compensation_issue,
    compensation_outcome_csv,
    compensation_preview,
    compensation_run_process,
    parse_member_numbers,
)
from coupons.errors import Conflict, DomainError
from coupons.issuing import coupon_issue
from coupons.models import CompensationItem, CompensationRun, MemberCoupon, Promotion
from tests.coupons.issuing_factories import (
    approved_promotion,
    cs_promotion,
    member,
    members_sql,
    staff,
)

pytestmark = pytest.mark.django_db

G = codes.Grade


@pytest.fixture
def cs_user():
    return staff("cs-agent", "CS agent")


def test_parse_member_numbers_from_paste_and_csv():
    numbers, dupes = parse_member_numbers(
        "100, 200\n300;100\t400\n\n", "회원번호,이름\r\n500,홍길동\r\n200,x\r\n".encode("utf-8-sig")
    )
    assert (numbers, dupes) == (["100", "200", "300", "400", "500"], 2)
    assert parse_member_numbers("", b"mbrNo\n") == ([], 0)


def test_preview_reports_every_problem_and_issues_nothing():
    member("100")
    member("200", grade=G.GREEN)
    member("300")
    promotion = cs_promotion(grade_cds=[G.GOLD], issu_lmt_qty=2, mbr_issu_lmt_qty=1)
    coupon_issue(member="300", promotion=promotion, channel=codes.Channel.CS, reason_cd="01")
    member("400")
    checks = compensation_preview(
        promotion=promotion.promo_no, mbr_nos=["100", "nobody", "200", "300", "400"], reason_cd="02"
    )
    assert [(c.line_no, c.mbr_no, c.code) for c in checks] == [
        (1, "100", "OK"),
        (2, "nobody", errors.UNKNOWN_MEMBER),
        (3, "200", errors.GRADE_NOT_ELIGIBLE),
        (4, "300", errors.MEMBER_LIMIT),
        (5, "400", errors.SOLD_OUT),
    ]
    assert checks[1].message == "존재하지 않는 회원입니다."
    assert MemberCoupon.objects.count() == 1
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 1
    assert CompensationRun.objects.count() == 0


@pytest.mark.parametrize(
    "change,differs",
    [
        ({"mbr_nos": ["100", "300"]}, ["mbr_nos"]),
        ({"mbr_nos": ["200", "100"]}, ["mbr_nos"]),  # the same members in another order
        ({"reason_cd": "03"}, ["cs_cpn_pay_caus_cd"]),
        ({"memo": "x", "ord_no": "ORD-2"}, ["memo", "ord_no"]),
        ({"promotion": "other"}, ["promotion"]),
    ],
)
def test_same_key_with_another_request_is_refused(cs_user, change, differs):
    for no in ("100", "200", "300"):
        member(no)
    promotion, other = cs_promotion(), cs_promotion()
    request = dict(
        promotion=promotion, mbr_nos=["100", "200"], reason_cd="02", memo="m", ord_no="ORD-1"
    )
    run = compensation_issue(user=cs_user, submission_key="sub-2", **request)
    if change.get("promotion") == "other":
        change = {"promotion": other}
    with pytest.raises(Conflict) as info:
        compensation_issue(user=cs_user, submission_key="sub-2", **{**request, **change})
    assert info.value.code == errors.SUBMISSION_KEY_REUSED
    assert info.value.http_status == 409
    assert f"#{run.pk}" in info.value.message
    assert sorted(info.value.fields) == sorted(["submission_key", *differs])
    assert list(MemberCoupon.objects.order_by("member_id").values_list("member_id", flat=True)) == [
        "100",
        "200",
    ]
    assert CompensationRun.objects.count() == 1
    assert Promotion.objects.get(pk=other.pk).issu_qty == 0


def test_preview_and_run_refuse_another_sites_member_alike(cs_user):
    """The preview and the run decide the site by the same rule as every issue path."""
    member("100", site_no="2")
    member("200", site_no="1")
    promotion = cs_promotion(site_nos=["2"])
    checks = compensation_preview(promotion=promotion, mbr_nos=["100", "200"], reason_cd="01")
    assert [(c.mbr_no, c.code) for c in checks] == [
        ("100", "OK"),
        ("200", errors.SITE_NOT_ELIGIBLE),
    ]
    run = compensation_issue(
        user=cs_user,
        promotion=promotion,
        mbr_nos=["100", "200"],
        reason_cd="01",
        submission_key=uuid.uuid4().hex,
    )
    items = CompensationItem.objects.filter(run=run).order_by("line_no")
    assert [(i.mbr_no, i.code) for i in items] == [
        ("100", "OK"),
        ("200", errors.SITE_NOT_ELIGIBLE),
    ]
    assert list(MemberCoupon.objects.values_list("member_id", flat=True)) == ["100"]


def test_preview_and_issue_refuse_a_non_cs_promotion_or_no_reason(cs_user):
    member("100")
    fixed = approved_promotion()
    with pytest.raises(DomainError) as info:
        compensation_preview(promotion=fixed, mbr_nos=["100"], reason_cd="01")
    assert info.value.code == "NOT_CS_PROMOTION"
    cs = cs_promotion()
    with pytest.raises(DomainError) as info:
        compensation_issue(
            user=cs_user, promotion=cs, mbr_nos=["100"], reason_cd="", submission_key="k"
        )
    assert info.value.code == errors.REASON_REQUIRED
    with pytest.raises(DomainError) as info:
        compensation_issue(
            user=cs_user, promotion=cs, mbr_nos=[" "], reason_cd="01", submission_key="k"
        )
    assert info.value.code == "NO_MEMBERS"
    assert MemberCoupon.objects.count() == 0 and CompensationRun.objects.count() == 0


def test_issue_per_member_and_double_submission_issues_once(cs_user):
    member("100")
    member("200")
    promotion = cs_promotion()
    run = compensation_issue(
        user=cs_user,
        promotion=promotion,
        mbr_nos=["100", "nobody", "200", "100"],
        reason_cd="02",
        memo="배송 지연 보상",
        ord_no="ORD-1",
        submission_key="sub-1",
    )
    assert (run.status, run.background, run.total, run.processed, run.issued, run.refused) == (
        "DONE",
        False,
        3,
        3,
        2,
        1,
    )
    assert run.duplicate_submission is False
    assert list(run.items.order_by("line_no").values_list("mbr_no", "status", "code")) == [
        ("100", "ISSUED", "OK"),
        ("nobody", "REFUSED", "UNKNOWN_MEMBER"),
        ("200", "ISSUED", "OK"),
    ]
    coupons = MemberCoupon.objects.filter(promotion=promotion).order_by("member_id")
    assert list(
        coupons.values_list(
            "member_id",
            "channel",
            "cs_cpn_pay_caus_cd",
            "memo",
            "ord_no",
            "system_user_no",
            "issued_by__username",
        )
    ) == [
        ("100", "CS", "02", "배송 지연 보상", "ORD-1", "cs-agent", "cs-agent"),
        ("200", "CS", "02", "배송 지연 보상", "ORD-1", "cs-agent", "cs-agent"),
    ]

    again = compensation_issue(
        user=cs_user,
        promotion=promotion,
        mbr_nos=["100", "nobody", "200", "100"],
        reason_cd="02",
        memo="배송 지연 보상",
        ord_no="ORD-1",
        submission_key="sub-1",
    )
    assert again.pk == run.pk and again.duplicate_submission is True
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 2
    assert CompensationRun.objects.count() == 1
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 2


def test_processing_a_run_again_issues_nobody_twice(cs_user):
    member("100")
    promotion = cs_promotion(mbr_issu_lmt_qty=5)
    run = compensation_issue(
        user=cs_user, promotion=promotion, mbr_nos=["100"], reason_cd="01", submission_key="s"
    )
    assert compensation_run_process(run_id=run.pk).processed == 1
    assert compensation_run_process(run_id=run.pk, resume=True).issued == 1
    assert MemberCoupon.objects.count() == 1


def test_outcome_csv():
    member("100")
    promotion = cs_promotion()
    run = compensation_issue(
        user=staff("cs2", "CS agent"),
        promotion=promotion,
        mbr_nos=["100", "x"],
        reason_cd="08",
        ord_no="O9",
        submission_key=uuid.uuid4().hex,
    )
    text = "".join(compensation_outcome_csv(run))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    coupon = MemberCoupon.objects.get()
    assert rows == [
        [
            "lineNo",
            "mbrNo",
            "result",
            "code",
            "message",
            "cpnIsuNo",
            "promoNo",
            "csCpnPayCausCd",
            "ordNo",
        ],
        ["1", "100", "ISSUED", "OK", "", str(coupon.pk), promotion.promo_no, "08", "O9"],
        [
            "2",
            "x",
            "REFUSED",
            "UNKNOWN_MEMBER",
            "존재하지 않는 회원입니다: x",
            "",
            promotion.promo_no,
            "08",
            "O9",
        ],
    ]


@pytest.mark.django_db(transaction=True)
def test_above_1000_members_runs_in_the_background_with_progress():
    members_sql(1_200, first=600_000_000)
    promotion = cs_promotion()
    user = staff("cs-bulk", "CS agent")
    numbers = [str(600_000_000 + i) for i in range(1_200)] + ["unknown-1"]
    run = compensation_issue(
        user=user, promotion=promotion, mbr_nos=numbers, reason_cd="08", submission_key="bulk"
    )
    assert run.background is True and run.total == 1_201
    assert jobs_join_inprocess(120)
    run.refresh_from_db()
    assert (run.status, run.processed, run.issued, run.refused) == ("DONE", 1_201, 1_200, 1)
    assert run.percent == 100
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 1_200
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 1_200
    assert CompensationItem.objects.get(run=run, mbr_no="unknown-1").code == errors.UNKNOWN_MEMBER
