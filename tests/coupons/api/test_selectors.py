"""The one eligibility rule (`coupons.selectors`) answered directly, in one query."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from coupons import codes, selectors

from .conftest import issue, make_exhibition, make_goods, make_member

pytestmark = pytest.mark.django_db


def test_promotion_applies_in_one_query(make_promotion, django_assert_num_queries):
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
        assert selectors.promotion_applies(
            promotion=p, goods=goods, member=member, ord_media_cd="20"
        )
    assert not selectors.promotion_applies(
        promotion=p, goods=goods, member=member, ord_media_cd="40"
    )
    assert not selectors.promotion_applies(promotion=p, goods=make_goods(), member=member)
    assert not selectors.promotion_applies(
        promotion=p, goods=goods, member=make_member(grade=codes.Grade.FAMILY)
    )
    issue(member, p)  # allowance used up
    assert not selectors.promotion_applies(promotion=p, goods=goods, member=member)


def test_use_window(make_promotion):
    member, goods = make_member(), make_goods()
    local = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    now = local
    p = make_promotion(
        weekdays=[str(local.isoweekday())], time_from=time(0, 0), time_to=time(23, 59)
    )
    assert selectors.promotion_applies(
        promotion=p, goods=goods, member=member, now=now, for_use=True
    )
    assert not selectors.promotion_applies(
        promotion=p, goods=goods, member=member, now=now + timedelta(days=1), for_use=True
    )
