"""Rules written twice, in Python and as SQL, agree (property-based, on the real database):
`Promotion.allows_grade` and `selectors.grade_q`, `Promotion.usable_at` and
`selectors.usage_window_q`. Hypothesis generates promotions, they are saved, the Q is queried and
its answer compared with the Python predicate's."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coupons import codes
from coupons.models import Promotion
from coupons.selectors import grade_q, usage_window_q
from tests.factories import promotion_data

pytestmark = pytest.mark.django_db

_promo_no = itertools.count(9_000_000)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

grades = st.lists(st.sampled_from(codes.Grade.values), unique=True, max_size=5)
weekdays = st.lists(st.sampled_from(codes.Weekday.values), unique=True, max_size=7)
# Times of day as the admin and the API take them: whole seconds.
times = st.times().map(lambda t: t.replace(microsecond=0))


@st.composite
def time_windows(draw):
    """No window, or a window whose start is before its end (rules.time_window)."""
    if draw(st.booleans()):
        return None, None
    start, end = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
    return start, end


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


def _save(**fields) -> Promotion:
    return Promotion.objects.create(promo_no=f"C{next(_promo_no):07d}", **promotion_data(**fields))


@SETTINGS
@given(
    rows=st.lists(st.tuples(grades, st.booleans()), min_size=1, max_size=6),
    grade=st.sampled_from(codes.Grade.values),
)
def test_grade_q_agrees_with_allows_grade(rows, grade):
    saved = [_save(grade_cds=g, upr_grade_aply_yn=upr) for g, upr in rows]
    pks = [p.pk for p in saved]
    by_sql = set(
        Promotion.objects.filter(pk__in=pks).filter(grade_q(grade)).values_list("pk", flat=True)
    )
    by_python = {p.pk for p in Promotion.objects.filter(pk__in=pks) if p.allows_grade(grade)}
    assert by_sql == by_python


@SETTINGS
@given(
    rows=st.lists(st.tuples(weekdays, time_windows()), min_size=1, max_size=6),
    now=instants,
)
def test_usage_window_q_agrees_with_usable_at(rows, now):
    saved = [_save(weekdays=w, time_from=start, time_to=end) for w, (start, end) in rows]
    pks = [p.pk for p in saved]
    by_sql = set(
        Promotion.objects.filter(pk__in=pks)
        .filter(usage_window_q(now))
        .values_list("pk", flat=True)
    )
    local = timezone.localtime(now)
    by_python = {p.pk for p in Promotion.objects.filter(pk__in=pks) if p.usable_at(local)}
    assert by_sql == by_python


def test_window_edges_agree():
    """The edges hypothesis may miss: the start is inside, the end is outside (Asia/Seoul)."""
    p = _save(weekdays=["1"], time_from=time(9, 0), time_to=time(18, 0))
    monday_9 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 in Seoul, a Monday
    monday_18 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 18:00 in Seoul
    for now, expected in ((monday_9, True), (monday_18, False)):
        assert p.usable_at(timezone.localtime(now)) is expected
        assert Promotion.objects.filter(pk=p.pk).filter(usage_window_q(now)).exists() is expected
