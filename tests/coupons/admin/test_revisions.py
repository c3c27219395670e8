"""Rule 10 through the admin change form: an edit of an approved promotion is a pending revision
shown old → new, approved or rejected by another user from the change page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coupons import services
from coupons.models import Member, MemberCoupon, Promotion, PromotionRevision
from tests.coupons.admin.test_promotions import form_data
from tests.factories import promotion_data, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def md():
    return user("md", "Merchandiser")


@pytest.fixture
def md2():
    return user("md2", "Merchandiser")


@pytest.fixture
def approved(md, md2):
    promotion = services.promotion_create(
        user=md,
        data=promotion_data(fix_amt_fxrt_gb_cd="02", dc_rate_amt=10, issu_lmt_qty=100),
    )
    return services.promotion_approve(user=md2, promotion=promotion)


def _split(value):
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def _change(client, promotion, **overrides):
    start, end = _split(promotion.promo_str_dtm), _split(promotion.promo_end_dtm)
    data = form_data(
        promotion,
        promo_str_dtm_0=start[0],
        promo_str_dtm_1=start[1],
        promo_end_dtm_0=end[0],
        promo_end_dtm_1=end[1],
        fix_amt_fxrt_gb_cd="02",
        dc_rate_amt="10",
        issu_lmt_qty="100",
        vali_days="30",
        promo_nm="테스트 쿠폰",
        min_buy_amt="10000",
        mbr_issu_lmt_qty="1",
    )
    data.update(overrides)
    return client.post(reverse("admin:coupons_promotion_change", args=[promotion.pk]), data)


def _decide(client, promotion, revision, decision, **data):
    url = reverse(
        "admin:coupons_promotion_revision_decide", args=[promotion.pk, revision.pk, decision]
    )
    return client.post(url, data, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_admin_edit_is_a_revision_until_another_user_approves(client, md, md2, approved):
    client.force_login(md)
    response = _change(client, approved, dc_rate_amt="99", issu_lmt_qty="")
    assert response.status_code == 302, response.context and response.context["errors"]
    revision = PromotionRevision.objects.get()
    assert revision.changes == {"dc_rate_amt": 99, "issu_lmt_qty": None}
    promotion = Promotion.objects.get(pk=approved.pk)
    assert (promotion.dc_rate_amt, promotion.issu_lmt_qty, promotion.promo_stat_cd) == (
        10,
        100,
        "APPROVED",
    )
    page = client.get(response["Location"])
    assert any("수정안 #%d" % revision.pk in m for m in _messages(page))
    content = page.content.decode()
    assert 'id="pending-revision"' in content and "할인금액/율" in content
    assert "<td>10</td><td><strong>99</strong></td>" in content
    # the author sees no approve button, and approving by URL is refused
    assert 'name="_approve_revision"' not in content
    refused = _decide(client, approved, revision, "approve")
    assert any("수정안을 작성한 사람은 승인할 수 없습니다" in m for m in _messages(refused))
    assert Promotion.objects.get(pk=approved.pk).dc_rate_amt == 10

    client.force_login(md2)
    page = client.get(reverse("admin:coupons_promotion_change", args=[approved.pk]))
    assert 'name="_approve_revision"' in page.content.decode()
    done = _decide(client, approved, revision, "approve")
    assert "수정안 #%d을(를) 승인해 적용했습니다." % revision.pk in _messages(done)
    promotion = Promotion.objects.get(pk=approved.pk)
    assert (promotion.dc_rate_amt, promotion.issu_lmt_qty, promotion.approved_by) == (
        99,
        None,
        md2,
    )
    assert 'id="pending-revision"' not in done.content.decode()


def test_admin_target_edit_is_part_of_the_revision(client, md, md2, approved):
    client.force_login(md)
    response = _change(
        client,
        approved,
        **{
            "targets-TOTAL_FORMS": "1",
            "targets-0-aply_gb_cd": "02",
            "targets-0-aply_typ_cd": "06",
            "targets-0-tgt_no": "B9",
        },
    )
    assert response.status_code == 302
    assert approved.targets.count() == 0
    revision = PromotionRevision.objects.get()
    assert revision.targets == [{"aply_gb_cd": "02", "aply_typ_cd": "06", "tgt_no": "B9"}]
    client.force_login(md2)
    _decide(client, approved, revision, "approve")
    assert list(approved.targets.values_list("aply_typ_cd", "tgt_no")) == [("06", "B9")]


def test_admin_reject_and_rule8_refusal(client, md, md2, approved):
    client.force_login(md)
    _change(client, approved, dc_rate_amt="99")
    revision = PromotionRevision.objects.get()
    member = Member.objects.create(mbr_no="M1", grade_cd="30")
    from coupons import issuing

    issuing.coupon_issue(member=member, promotion=approved, channel="FO_DOWNLOAD")
    client.force_login(md2)
    refused = _decide(client, approved, revision, "approve")
    assert any("이미 쿠폰이 발급되어 변경할 수 없습니다" in m for m in _messages(refused))
    assert Promotion.objects.get(pk=approved.pk).dc_rate_amt == 10
    rejected = _decide(client, approved, revision, "reject", note="발급됨")
    assert "수정안 #%d을(를) 반려했습니다." % revision.pk in _messages(rejected)
    revision.refresh_from_db()
    assert (revision.status, revision.decided_by, revision.decision_note) == (
        "REJECTED",
        md2,
        "발급됨",
    )
    assert MemberCoupon.objects.count() == 1


def test_name_only_edit_saves_directly(client, md, approved):
    client.force_login(md)
    response = _change(client, approved, promo_nm="새 이름")
    assert response.status_code == 302
    assert Promotion.objects.get(pk=approved.pk).promo_nm == "새 이름"
    assert not PromotionRevision.objects.exists()


def test_cs_agent_cannot_decide(client, md, approved):
    client.force_login(md)
    _change(client, approved, dc_rate_amt="99")
    revision = PromotionRevision.objects.get()
    client.force_login(user("cs", "CS agent"))
    url = reverse(
        "admin:coupons_promotion_revision_decide", args=[approved.pk, revision.pk, "approve"]
    )
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert PromotionRevision.objects.get().status == "PENDING"
