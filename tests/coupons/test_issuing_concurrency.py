"""Limits and idempotency under real concurrency: threads, each with its own PostgreSQL connection."""

import threading
from collections import Counter

import pytest
from django.db import connection

from coupons import codes, errors
from coupons.errors import IssueRefused
from coupons.issuing import coupon_issue, coupons_download
from coupons.models import IssueIdempotency, MemberCoupon, MemberPromotionCounter, Promotion
from tests.coupons.issuing_factories import approved_promotion, members_sql

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def run_concurrently(n: int, work, threads: int = 32) -> list:
    """Call work(i) for i in range(n) from `threads` threads released together; returns the results
    (a value or the exception raised) in call order."""
    results: list = [None] * n
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    todo = iter(range(n))

    def worker():
        try:
            barrier.wait()
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                try:
                    results[i] = work(i)
                except Exception as exc:  # collected and asserted by the test
                    results[i] = exc
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    assert not any(t.is_alive() for t in pool)
    return results


def codes_of(results) -> Counter:
    return Counter("OK" if isinstance(r, list) else getattr(r, "code", repr(r)) for r in results)


def test_200_concurrent_attempts_on_a_limit_of_50_issue_exactly_50():
    members_sql(200, first=700_000_000)
    promotion = approved_promotion(issu_lmt_qty=50, mbr_issu_lmt_qty=1)

    results = run_concurrently(
        200,
        lambda i: coupon_issue(
            member=str(700_000_000 + i),
            promotion=promotion.promo_no,
            channel=codes.Channel.DOWNLOAD,
        ),
    )

    assert codes_of(results) == Counter({"OK": 50, errors.SOLD_OUT: 150})
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 50
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 50
    assert (
        MemberCoupon.objects.filter(promotion=promotion).values("member").distinct().count() == 50
    )
    # Counters of refused members rolled back with their refusal: exactly the 50 winners hold one.
    assert (
        sorted(
            MemberPromotionCounter.objects.filter(promotion=promotion).values_list(
                "issued_qty", flat=True
            )
        )
        == [1] * 50
    )


def test_50_concurrent_attempts_by_one_member_with_limit_2_issue_exactly_2():
    members_sql(1, first=710_000_000)
    promotion = approved_promotion(issu_lmt_qty=None, mbr_issu_lmt_qty=2)

    results = run_concurrently(
        50,
        lambda i: coupon_issue(
            member="710000000", promotion=promotion, channel=codes.Channel.DOWNLOAD
        ),
        threads=25,
    )

    assert codes_of(results) == Counter({"OK": 2, errors.MEMBER_LIMIT: 48})
    assert MemberCoupon.objects.filter(promotion=promotion, member_id="710000000").count() == 2
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 2
    assert (
        MemberPromotionCounter.objects.get(promotion=promotion, member_id="710000000").issued_qty
        == 2
    )


def test_same_idempotency_key_20_times_concurrently_issues_once():
    members_sql(1, first=720_000_000)
    promotion = approved_promotion(mbr_issu_lmt_qty=20)

    outcomes = run_concurrently(
        20,
        lambda i: coupons_download(
            member="720000000",
            promo_nos=[promotion.promo_no, promotion.promo_no],
            idempotency_key="retry-1",
        ),
        threads=20,
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(not o.replayed for o in outcomes) == 1
    bodies = {repr(o.as_dict()) for o in outcomes}
    assert len(bodies) == 1
    assert outcomes[0].as_dict()["issuedCnt"] == 2
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 2
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 2
    assert IssueIdempotency.objects.count() == 1


def test_same_round_sent_concurrently_issues_once():
    members_sql(1, first=730_000_000)
    promotion = approved_promotion(
        cpn_issu_main_cd=codes.Issuer.AUTO,
        cpn_issu_way_cd=codes.IssueMethod.AUTO,
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="10",
        auto_issu_qty=2,
        mbr_issu_lmt_qty=100,
    )

    results = run_concurrently(
        20,
        lambda i: coupon_issue(
            member="730000000",
            promotion=promotion,
            qty=2,
            channel=codes.Channel.BATCH,
            auto_issu_odr="20260101",
        ),
        threads=20,
    )

    assert codes_of(results) == Counter({"OK": 1, errors.ALREADY_ISSUED: 19})
    assert MemberCoupon.objects.filter(promotion=promotion).count() == 2
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 2
    assert MemberPromotionCounter.objects.get(promotion=promotion).issued_qty == 2
    assert all(isinstance(r, (list, IssueRefused)) for r in results)
