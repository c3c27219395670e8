"""Rule 10 through the admin REST API: an edit of an approved promotion is a pending revision
until another user approves it; members keep getting the approved terms meanwhile."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coupons import codes, services
from coupons.models import MemberCoupon, Promotion, PromotionRevision
from tests.coupons.api.conftest import make_member, make_user, member_client, token_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"
DOWN = "/v1/marketing/cpnDown"
BOX = "/v1/marketing/cpnIssuList"
FROZEN = "이미 쿠폰이 발급되어 변경할 수 없습니다. '새 프로모션으로 복사'를 이용하세요."


@pytest.fixture
def rate_promotion(make_promotion):
    """md creates a 10 % download coupon limited to 100 copies, md2 approves it."""
    return make_promotion(
        fix_amt_fxrt_gb_cd=codes.DiscountKind.RATE, dc_rate_amt=10, issu_lmt_qty=100
    )


def _terms(promotion):
    p = Promotion.objects.get(pk=promotion.pk)
    return (p.dc_rate_amt, p.issu_lmt_qty, p.promo_stat_cd, p.updated_by.username)


def _bypass(md, promotion):
    """md PATCHes the approved promotion: 99 % and no total limit."""
    return token_client(md).patch(
        f"{BASE}/promotions/{promotion.promo_no}/",
        {"dcRateAmt": 99, "issuLmtQty": None},
        format="json",
    )


def _box_rates(member):
    r = member_client(member).get(BOX, {"sortGb": "10", "rowsPerPage": 10, "pageIdx": 1})
    assert r.status_code == 200, r.content
    return [row["dcRateAmt"] for row in r.json()["list"]]


def test_patch_of_approved_promotion_is_a_pending_revision(rate_promotion, md, approver):
    r = _bypass(md, rate_promotion)
    assert r.status_code == 202, r.content
    body = r.json()
    revision = PromotionRevision.objects.get()
    assert body["revisionNo"] == revision.pk and body["promoNo"] == rate_promotion.promo_no
    assert (body["revStatCd"], body["author"], body["decidedBy"]) == ("PENDING", "md", None)
    assert body["changes"] == [
        {"field": "dcRateAmt", "old": 10, "new": 99},
        {"field": "issuLmtQty", "old": 100, "new": None},
    ]
    # the live terms did not move
    assert _terms(rate_promotion) == (10, 100, "APPROVED", "md")
    read = token_client(md).get(f"{BASE}/promotions/{rate_promotion.promo_no}/").json()
    assert (read["dcRateAmt"], read["issuLmtQty"], read["promoStatCd"]) == (10, 100, "APPROVED")
    listed = token_client(approver).get(f"{BASE}/promotions/{rate_promotion.promo_no}/revisions/")
    assert listed.status_code == 200 and listed.json() == [body]


def test_bypass_refused_end_to_end_member_keeps_approved_terms(rate_promotion, md, approver):
    assert _bypass(md, rate_promotion).status_code == 202
    revision = PromotionRevision.objects.get()
    member = make_member()
    # a member downloading during the pending revision gets the approved terms
    r = member_client(member).post(DOWN, {"promoNoList": [rate_promotion.promo_no]}, format="json")
    assert r.status_code == 200 and r.json()["issuedCnt"] == 1, r.content
    assert _box_rates(member) == [10]

    url = f"{BASE}/promotions/{rate_promotion.promo_no}/revisions/{revision.pk}"
    r = token_client(md).post(f"{url}/approve/")
    assert r.status_code == 400 and r.json()["code"] == "SELF_APPROVAL", r.content
    assert r.json()["fields"] == {"approvedBy": ["수정안을 작성한 사람은 승인할 수 없습니다."]}
    # rule 8 still holds: the coupon issued meanwhile froze the discount
    r = token_client(approver).post(f"{url}/approve/")
    assert r.status_code == 409 and r.json()["code"] == "INVALID_REVISION", r.content
    assert r.json()["fields"]["dcRateAmt"] == [FROZEN]
    assert FROZEN in r.json()["message"]
    assert _terms(rate_promotion) == (10, 100, "APPROVED", "md")
    assert PromotionRevision.objects.get().status == "PENDING"
    assert _box_rates(member) == [10]
    # what is left is to reject it (or copy as new)
    r = token_client(approver).post(f"{url}/reject/", {"note": "쿠폰이 이미 발급됨"}, format="json")
    assert r.status_code == 200 and r.json()["revStatCd"] == "REJECTED", r.content
    assert (r.json()["decidedBy"], r.json()["decisionNote"]) == ("md2", "쿠폰이 이미 발급됨")
    assert _terms(rate_promotion) == (10, 100, "APPROVED", "md")


def test_another_user_approves_then_terms_are_live(rate_promotion, md, approver):
    assert _bypass(md, rate_promotion).status_code == 202
    revision = PromotionRevision.objects.get()
    url = f"{BASE}/promotions/{rate_promotion.promo_no}/revisions/{revision.pk}"
    assert token_client(md).post(f"{url}/approve/").status_code == 400
    assert _terms(rate_promotion) == (10, 100, "APPROVED", "md")

    r = token_client(approver).post(f"{url}/approve/")
    assert r.status_code == 200, r.content
    assert (r.json()["revStatCd"], r.json()["decidedBy"]) == ("APPROVED", "md2")
    # decided: old is what it replaced
    assert r.json()["changes"][0] == {"field": "dcRateAmt", "old": 10, "new": 99}
    promotion = Promotion.objects.get(pk=rate_promotion.pk)
    assert _terms(promotion) == (99, None, "APPROVED", "md")
    assert promotion.approved_by.username == "md2"
    member = make_member()
    r = member_client(member).post(DOWN, {"promoNoList": [promotion.promo_no]}, format="json")
    assert r.status_code == 200 and _box_rates(member) == [99]
    # decided once
    r = token_client(approver).post(f"{url}/approve/")
    assert r.status_code == 409 and r.json()["code"] == "REVISION_DECIDED"


def test_name_alone_changes_without_revision(rate_promotion, md):
    r = token_client(md).patch(
        f"{BASE}/promotions/{rate_promotion.promo_no}/", {"promoNm": "새 이름"}, format="json"
    )
    assert r.status_code == 200 and r.json()["promoNm"] == "새 이름"
    assert not PromotionRevision.objects.exists()


def test_second_edit_adds_to_own_revision_and_is_refused_to_others(rate_promotion, md, approver):
    assert _bypass(md, rate_promotion).status_code == 202
    r = token_client(md).patch(
        f"{BASE}/promotions/{rate_promotion.promo_no}/",
        {"minBuyAmt": 20000, "targets": [{"aplyGbCd": "02", "aplyTypCd": "02", "tgtNo": "G9"}]},
        format="json",
    )
    assert r.status_code == 202, r.content
    assert [c["field"] for c in r.json()["changes"]] == [
        "dcRateAmt",
        "minBuyAmt",
        "issuLmtQty",
        "targets",
    ]
    assert r.json()["changes"][-1] == {
        "field": "targets",
        "old": [],
        "new": [{"aplyGbCd": "02", "aplyTypCd": "02", "tgtNo": "G9"}],
    }
    assert PromotionRevision.objects.count() == 1
    r = token_client(approver).patch(
        f"{BASE}/promotions/{rate_promotion.promo_no}/", {"dcRateAmt": 50}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "REVISION_PENDING", r.content
    assert "md님의 수정안이 승인 대기 중입니다" in r.json()["message"]
    assert PromotionRevision.objects.get().changes["dc_rate_amt"] == 99
    assert rate_promotion.targets.count() == 0


def test_revision_breaking_a_rule_is_refused_with_its_message(rate_promotion, md):
    r = token_client(md).patch(
        f"{BASE}/promotions/{rate_promotion.promo_no}/", {"dcRateAmt": 150}, format="json"
    )
    assert r.status_code == 400 and "dcRateAmt" in r.json()["fields"], r.content
    assert not PromotionRevision.objects.exists()


def test_revision_of_frozen_terms_refused_at_once(rate_promotion, md):
    member = make_member()
    member_client(member).post(DOWN, {"promoNoList": [rate_promotion.promo_no]}, format="json")
    r = _bypass(md, rate_promotion)
    assert r.status_code == 400 and r.json()["fields"]["dcRateAmt"] == [FROZEN], r.content
    assert not PromotionRevision.objects.exists()
    # the total limit is not a frozen term: it is revised
    r = token_client(md).patch(
        f"{BASE}/promotions/{rate_promotion.promo_no}/", {"issuLmtQty": 500}, format="json"
    )
    assert r.status_code == 202 and MemberCoupon.objects.count() == 1


def test_revision_permissions_and_unknowns(rate_promotion, md, approver, cs):
    assert _bypass(md, rate_promotion).status_code == 202
    revision = PromotionRevision.objects.get()
    url = f"{BASE}/promotions/{rate_promotion.promo_no}/revisions"
    assert token_client(cs).get(f"{url}/").status_code == 200  # CS agents view promotions
    r = token_client(cs).post(f"{url}/{revision.pk}/approve/")
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"
    r = token_client(approver).post(f"{url}/{revision.pk + 1}/approve/")
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert token_client(approver).get(f"{BASE}/promotions/C0000000/revisions/").status_code == 404
    assert PromotionRevision.objects.get().status == "PENDING"


def test_suspended_promotion_is_revised_too(rate_promotion, md, approver):
    services.promotion_suspend(user=approver, promotion=rate_promotion)
    assert _bypass(md, rate_promotion).status_code == 202
    assert _terms(rate_promotion) == (10, 100, "SUSPENDED", "md")
    # ending it closes the pending revision
    services.promotion_end(user=approver, promotion=rate_promotion)
    revision = PromotionRevision.objects.get()
    assert (revision.status, revision.decided_by, revision.decision_note) == (
        "REJECTED",
        approver,
        "프로모션 종료",
    )


def test_database_holds_one_pending_revision(rate_promotion, md):
    assert _bypass(md, rate_promotion).status_code == 202
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        PromotionRevision.objects.create(
            promotion=rate_promotion, author=md, created_at=now, updated_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PromotionRevision.objects.filter(promotion=rate_promotion).update(status="APPROVED")


def test_schema_documents_the_202(md):
    r = token_client(make_user("schema", superuser=True)).get("/api/schema/?format=json")
    patch = r.json()["paths"]["/api/v1/admin/promotions/{promoNo}/"]["patch"]["responses"]
    assert patch["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PromotionRevisionOut"
    )
    paths = r.json()["paths"]
    assert "/api/v1/admin/promotions/{promoNo}/revisions/{revisionNo}/approve/" in paths
