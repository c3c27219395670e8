"""Rules written twice, in Python and as SQL, agree (property-based, on the real database):
`Promotion.allows_grade` and `selectors.grade_q`, `Promotion.usable_at` and
`selectors.usage_window_q`, and every issue rule of `selectors.ISSUE_RULES` (the listings' SQL and
the issuing engine's check on a loaded row). Hypothesis generates promotions, they are saved, the Q
is queried and its answer compared with the Python predicate's."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coupons import codes
from coupons.models import Member, Promotion
from coupons.selectors import (
    ISSUE_RULES,
    Eligibility,
    first_refusal,
    grade_q,
    rules_q,
    usage_window_q,
)
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


# -- the issue rules: each rule's SQL form (the listings) and row form (issuing) agree ------------
NOW = datetime(2031, 5, 14, 3, 0, tzinfo=UTC)
sites = st.lists(st.sampled_from(["1", "2", "3"]), unique=True, max_size=2)
media = st.lists(st.sampled_from(codes.OrdMedia.values), unique=True, min_size=1, max_size=3)
offsets = st.sampled_from([-30, -1, 0, 1, 30])  # days from NOW


@st.composite
def issue_terms(draw) -> dict:
    """Promotion columns every issue rule reads, any combination the database accepts (also
    those the services refuse, e.g. issuer 30 by download)."""
    start = NOW + timedelta(days=draw(offsets))
    days = draw(st.sampled_from([None, 0, 1, 30]))
    end = NOW + timedelta(days=draw(offsets))
    terms = {
        "cpn_issu_main_cd": draw(st.sampled_from(codes.Issuer.values)),
        "cpn_issu_way_cd": draw(st.sampled_from(codes.IssueMethod.values)),
        "promo_stat_cd": draw(st.sampled_from(codes.PromoStatus.values)),
        "promo_str_dtm": start,
        "promo_end_dtm": start + timedelta(days=draw(st.sampled_from([1, 2, 60]))),
        "vali_basis_cd": draw(st.sampled_from(codes.ValidityBasis.values)),
        "vali_days": days,
        "vali_strt_dtm": draw(st.sampled_from([None, end - timedelta(days=60)])),
        "vali_end_dtm": draw(st.sampled_from([None, end])),
        "site_nos": draw(sites),
        "grade_cds": draw(grades),
        "upr_grade_aply_yn": draw(st.booleans()),
        "ord_media_cds": draw(media),
    }
    return terms


members = st.builds(
    lambda grade, site: Member(mbr_no="M-RULES", grade_cd=grade, site_no=site),
    st.sampled_from(codes.Grade.values),
    st.sampled_from(["", "1", "2", "3"]),
)


@SETTINGS
@given(
    rows=st.lists(issue_terms(), min_size=1, max_size=6),
    member=members,
    ord_media_cd=st.sampled_from([None, *codes.OrdMedia.values]),
    channels=st.lists(st.sampled_from(codes.Channel.values), unique=True, min_size=1, max_size=2),
)
def test_issue_rules_sql_and_row_forms_agree(rows, member, ord_media_cd, channels):
    """Each rule of `selectors.ISSUE_RULES`, and all of them together (what a listing filters by
    and what `issuing.issue_refusal` refuses by), answer alike for every generated promotion."""
    saved = [_save(**terms) for terms in rows]
    pks = [p.pk for p in saved]
    e = Eligibility(
        now=NOW, member=member, ord_media_cd=ord_media_cd, channels=tuple(channels), for_issue=True
    )
    loaded = list(Promotion.objects.filter(pk__in=pks))
    for rule in ISSUE_RULES:
        if not rule.applies(e):  # only the medium is optional (a request without one)
            assert (rule.name, ord_media_cd) == ("medium", None)
            continue
        by_sql = set(
            Promotion.objects.filter(pk__in=pks).filter(rule.q(e, "")).values_list("pk", flat=True)
        )
        by_row = {p.pk for p in loaded if rule.allows(p, e)}
        assert by_sql == by_row, rule.name
    listed = set(
        Promotion.objects.filter(pk__in=pks).filter(rules_q(e)).values_list("pk", flat=True)
    )
    assert listed == {p.pk for p in loaded if first_refusal(p, e) is None}
