"""The one eligibility rule (`coupons.selectors.eligible_promotions`) answered directly, in one
query, for one promotion."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from coupons import codes, selectors
from coupons.models import Promotion

from .conftest import issue, make_exhibition, make_goods, make_member

pytestmark = pytest.mark.django_db


def applies(*, promotion, goods, member, ord_media_cd=None, now=None, for_use=False) -> bool:
    """Whether `promotion` is among the promotions eligible_promotions gives (one query)."""
    e = selectors.Eligibility(
        now=now or timezone.now(),
        goods=goods,
        member=member,
        ord_media_cd=ord_media_cd,
        for_use=for_use,
    )
    return selectors.eligible_promotions(e, Promotion.objects.filter(pk=promotion.pk)).exists()


def test_eligible_promotions_in_one_query(make_promotion, django_assert_num_queries):
    member, goods = make_member(grade=codes.Grade.VIP), make_goods()
    make_exhibition("E9", [goods])
    p = make_promotion(
        all_goods_yn=False,
        grade_cds=["30"],
        upr_grade_aply_yn=True,
        mbr_issu_lmt_qty=1,
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "E9"}],
    )
    with django_assert_num_queries(1):
        assert applies(promotion=p, goods=goods, member=member, ord_media_cd="20")
    assert not applies(promotion=p, goods=goods, member=member, ord_media_cd="40")
    assert not applies(promotion=p, goods=make_goods(), member=member)
    assert not applies(promotion=p, goods=goods, member=make_member(grade=codes.Grade.FAMILY))
    issue(member, p)  # allowance used up
    assert not applies(promotion=p, goods=goods, member=member)


@time_machine.travel(datetime(2026, 3, 4, 3, 0, tzinfo=UTC), tick=False)  # noon in Seoul
def test_use_window(make_promotion):
    member, goods = make_member(), make_goods()
    local = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    now = local
    p = make_promotion(
        weekdays=[str(local.isoweekday())], time_from=time(0, 0), time_to=time(23, 59)
    )
    assert applies(promotion=p, goods=goods, member=member, now=now, for_use=True)
    assert not applies(
        promotion=p, goods=goods, member=member, now=now + timedelta(days=1), for_use=True
    )
