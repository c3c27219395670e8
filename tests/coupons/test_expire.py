"""coupons_expire / expire_coupons: one UPDATE of ISSUED copies past validity; nothing else touched."""

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coupons import codes
from coupons.issuing import coupon_issue, coupons_expire
from coupons.models import MemberCoupon, Promotion
from tests.coupons.issuing_factories import approved_promotion, member

pytestmark = pytest.mark.django_db


def test_expire_marks_only_issued_coupons_past_validity():
    for n in ("1", "2", "3", "4"):
        member(n)
    promotion = approved_promotion(mbr_issu_lmt_qty=5)
    now = timezone.now()
    coupons = {
        n: coupon_issue(member=n, promotion=promotion, channel=codes.Channel.DOWNLOAD, now=now)[0]
        for n in ("1", "2", "3", "4")
    }
    MemberCoupon.objects.filter(pk=coupons["2"].pk).update(status="USED")
    MemberCoupon.objects.filter(pk=coupons["3"].pk).update(status="REVOKED")
    later = now + timedelta(days=30)  # valid_until == issued + 30 days: expired at that instant
    MemberCoupon.objects.filter(pk=coupons["4"].pk).update(valid_until=later + timedelta(seconds=1))

    ContentType.objects.get_for_model(MemberCoupon)  # cached in any running process
    with CaptureQueriesContext(connection) as queries:
        assert coupons_expire(now=later) == 1
    # one set-based UPDATE (with the report rollup's grouped upsert: one statement on PostgreSQL,
    # the upsert then the UPDATE on SQLite) and one audit row for the whole set, never a row per
    # coupon
    statements = [q["sql"] for q in queries if q["sql"].split()[0] not in ("SAVEPOINT", "RELEASE")]
    expected = (
        ["WITH", "INSERT"] if connection.vendor == "postgresql" else ["INSERT", "UPDATE", "INSERT"]
    )
    assert [sql.split()[0] for sql in statements] == expected
    assert "UPDATE coupons_membercoupon SET status" in " ".join(statements[:-1])
    assert 'INSERT INTO "audit_auditentry"' in statements[-1]
    assert dict(MemberCoupon.objects.values_list("member_id", "status")) == {
        "1": "EXPIRED",
        "2": "USED",
        "3": "REVOKED",
        "4": "ISSUED",
    }
    assert coupons_expire(now=later) == 0
    # Expired copies still count as issued (only revoked ones return).
    assert Promotion.objects.get(pk=promotion.pk).issu_qty == 4


def test_expire_command_prints_its_count():
    member("1")
    promotion = approved_promotion(vali_days=1)
    coupon_issue(
        member="1",
        promotion=promotion,
        channel=codes.Channel.DOWNLOAD,
        now=timezone.now() - timedelta(hours=23),
    )
    MemberCoupon.objects.update(valid_until=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("expire_coupons", stdout=out)
    assert out.getvalue().strip() == "expired 1 coupons"
    assert MemberCoupon.objects.get().status == "EXPIRED"
