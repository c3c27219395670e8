"""The mall's hot reads build their answers without DRF serializers and read their rows through
queries compiled once (`selectors.CompiledQuery`): the bytes are the serializers' bytes, and a
compiled query answers what the queryset it was compiled from answers, for any values."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from coupons import codes, selectors
from coupons.api.mall import serializers as s
from coupons.api.mall.authentication import member_by_no
from coupons.errors import IssueRefused
from coupons.models import Member, MemberCoupon
from tests.coupons.api.conftest import (
    issue,
    make_exhibition,
    make_goods,
    make_member,
    member_client,
)

pytestmark = pytest.mark.django_db

DETAIL = "/v1/marketing/goodsDetailCpnList"
BOX = "/v1/marketing/cpnIssuList"
DATETIME_KEYS = {"valiStrtDtm", "valiEndDtm", "cpnIsuDtm", "useDtm"}


def _with_datetimes(value):
    """The answer with its timestamps as datetimes again, as a serializer is given them."""
    if isinstance(value, list):
        return [_with_datetimes(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (datetime.fromisoformat(v) if k in DATETIME_KEYS and v else _with_datetimes(v))
            for k, v in value.items()
        }
    return value


def _rendered(serializer_class, data) -> bytes:
    return JSONRenderer().render(serializer_class(_with_datetimes(data)).data)


@pytest.fixture
def shelf(make_promotion):
    """A member, a goods, and promotions of every shape a row shows: named goods and exhibition
    targets, a target without a name, an exclusion, a rate coupon with a cap, a blank discount
    kind, a fixed validity window, a limited total, a time window."""
    member, goods = make_member(), make_goods(goods_nm="이름 있는 상품")
    ex = make_exhibition("E7000", [goods], name="겨울 기획전")
    now = timezone.now()
    promotions = [
        make_promotion(
            promo_nm="targets",
            all_goods_yn=False,
            fix_amt_fxrt_gb_cd="02",
            dc_rate_amt=15,
            max_dc_amt=4000,
            mbr_issu_lmt_qty=3,
            issu_lmt_qty=50,
            targets=[
                {"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": ex.exhibition_no},
                {"aply_gb_cd": "01", "aply_typ_cd": "02", "tgt_no": goods.goods_no},
                {"aply_gb_cd": "01", "aply_typ_cd": "03", "tgt_no": goods.disp_ctg_no},
                {"aply_gb_cd": "02", "aply_typ_cd": "06", "tgt_no": "OTHER"},
            ],
        ),
        make_promotion(
            promo_nm="fixed window",
            vali_basis_cd=codes.ValidityBasis.FIXED,
            vali_days=None,
            vali_strt_dtm=now - timedelta(days=1, microseconds=5),
            vali_end_dtm=now + timedelta(days=9),
        ),
        make_promotion(promo_nm="all goods", mbr_issu_lmt_qty=2),
        make_promotion(
            promo_nm="time coupon",
            weekdays=list("1234567"),
            time_from=time(0),
            time_to=time(23, 59),
        ),
    ]
    for p in promotions:
        issue(member, p)
    return member, goods, promotions


@pytest.mark.parametrize("cpn_type", ["10", "20"])
@pytest.mark.parametrize("sort_gb", ["10", "20"])
def test_goods_detail_bytes_are_the_serializers(shelf, cpn_type, sort_gb):
    member, goods, promotions = shelf
    client = member_client(member)
    for rows, page in ((100, 1), (2, 1), (2, 2), (3, 9)):
        r = client.post(
            DETAIL,
            {
                "goodsNo": goods.goods_no,
                "ordMediaCd": "20",
                "cpnType": cpn_type,
                "sortGb": sort_gb,
                "rowsPerPage": rows,
                "pageIdx": page,
            },
            format="json",
        )
        assert r.status_code == 200, r.content
        assert r.content == _rendered(s.GoodsDetailCpnListOut, r.json())
    full = client.post(
        DETAIL,
        {"goodsNo": goods.goods_no, "ordMediaCd": "20", "cpnType": cpn_type, "sortGb": sort_gb}
        | {"rowsPerPage": 100, "pageIdx": 1},
        format="json",
    ).json()
    # Usable: the four copies; downloadable: the two with allowance left (limits 3 and 2, one held).
    assert full["promoCnt"] == len(full["list"]) == (4 if cpn_type == "10" else 2)
    (targeted,) = [row for row in full["list"] if row["promoNm"] == "targets"]
    assert targeted["aplyTgtList"] == [
        {"aplyGbCd": "01", "aplyTypCd": "02", "tgtNo": goods.goods_no, "tgtNm": "이름 있는 상품"},
        {"aplyGbCd": "01", "aplyTypCd": "03", "tgtNo": goods.disp_ctg_no, "tgtNm": None},
        {"aplyGbCd": "01", "aplyTypCd": "08", "tgtNo": "E7000", "tgtNm": "겨울 기획전"},
        {"aplyGbCd": "02", "aplyTypCd": "06", "tgtNo": "OTHER", "tgtNm": None},
    ]


def test_coupon_box_bytes_are_the_serializers(shelf):
    member, goods, promotions = shelf
    expired = MemberCoupon.objects.filter(member=member).first()
    MemberCoupon.objects.filter(pk=expired.pk).update(valid_until=timezone.now())
    client = member_client(member)
    for sort_gb in ("10", "20"):
        for rows, page, site in ((100, 1, None), (3, 2, "1"), (2, 1, "9")):
            params = {"sortGb": sort_gb, "rowsPerPage": rows, "pageIdx": page}
            if site:
                params["siteNo"] = site
            r = client.get(BOX, params)
            assert r.status_code == 200, r.content
            assert r.content == _rendered(s.CpnIssuListOut, r.json())
    data = client.get(BOX, {"sortGb": "10", "rowsPerPage": 100, "pageIdx": 1}).json()
    assert (data["totPromoCnt"], data["promoCnt"]) == (4, 3)
    assert [row["cpnStatCd"] for row in data["list"]].count("EXPIRED") == 1


def test_compiled_query_answers_as_its_queryset(make_promotion):
    """Fresh values in every slot, LIKE's own characters among them, against the ORM's answer."""
    members = [make_member(site=site) for site in ("1", "2", "_", "%", "1_", "12")]
    for site_nos in ([], ["1"], ["2", "12"], ["11"], ["12"]):
        p = make_promotion(promo_nm=f"sites {site_nos}", site_nos=site_nos, mbr_issu_lmt_qty=5)
        for member in members:
            try:
                issue(member, p)
            except IssueRefused:  # the member's site is not among the promotion's
                pass
    assert MemberCoupon.objects.filter(member=members[5]).count() == 3  # site 12: [], 2/12, 12
    for member in members:
        for site in ("", "1", "2", "_", "%", "1_", "1%", "12", "x"):
            for sort_gb in ("10", "20"):
                query = selectors._BOX_QUERIES[(sort_gb, bool(site))]
                expected = list(
                    selectors.coupon_box(
                        member=member, sort_gb=sort_gb, site_no=site or None
                    ).values_list(*selectors.BOX_COLUMNS)
                )
                assert query.rows(member=member.mbr_no, site=site) == expected, (member, site)
        loaded, fetched = member_by_no(member.mbr_no), Member.objects.get(pk=member.mbr_no)
        fields = [f.attname for f in Member._meta.concrete_fields]
        assert [getattr(loaded, f) for f in fields] == [getattr(fetched, f) for f in fields]
        assert (loaded._state.adding, loaded._state.db) == (False, "default")
    assert member_by_no("nobody") is None


def test_compiled_query_refuses_a_value_it_cannot_slot():
    query = selectors.CompiledQuery(
        lambda mbr_no: Member.objects.filter(mbr_no__startswith=mbr_no).values_list("mbr_no"),
        mbr_no=int,  # an integer slot given to a string lookup: the sentinel turns into text
    )
    with pytest.raises(ValueError):
        query.rows(mbr_no=1)
    assert connections["default"].vendor  # the connection is still usable


def test_cpn_down_bytes_are_the_serializers(make_promotion):
    member = make_member()
    once = make_promotion(promo_nm="once")
    twice = make_promotion(promo_nm="twice", mbr_issu_lmt_qty=2)
    client = member_client(member)
    bodies = [
        {"promoNoList": [once.promo_no, twice.promo_no, twice.promo_no]},
        {"promoNoList": [once.promo_no]},  # refused: the member holds it
        {"promoNoList": ["C9999999"]},  # unknown
    ]
    statuses = []
    for body in bodies:
        r = client.post("/v1/marketing/cpnDown", body, format="json")
        statuses.append(r.status_code)
        assert r.content == JSONRenderer().render(s.IssueOut(r.json()).data)
    assert statuses == [200, 409, 404]
    r = client.post(
        "/v1/marketing/cpnDown", bodies[1], format="json", HTTP_IDEMPOTENCY_KEY="k-lean-1"
    )
    again = client.post(
        "/v1/marketing/cpnDown", bodies[1], format="json", HTTP_IDEMPOTENCY_KEY="k-lean-1"
    )
    assert again.content == r.content == JSONRenderer().render(s.IssueOut(r.json()).data)
