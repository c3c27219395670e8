"""The audit trail through its real doors: admin requests, API requests, management commands and
job attempts; who, when, what (old → new) and the door; read-only for everyone but a superuser."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.models import AuditEntry
from backoffice.jobs.engine import job_attempt
from backoffice.jobs.models import Job
from backoffice.jobs.registry import register
from backoffice.jobs.services import job_enqueue
from coupons import codes, issuing, services
from coupons.models import MemberCoupon, Promotion
from marketplaces.models import HttpExchange
from tests.coupons.api.conftest import (
    issue,
    make_member,
    make_user,
    member_client,
    token_client,
)
from tests.factories import promotion_data

pytestmark = pytest.mark.django_db
BASE = "/api/v1/admin"


def _entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_api_edit_records_old_and_new_values_and_the_api_door(md):
    promotion = services.promotion_create(user=md, data=promotion_data())
    AuditEntry.objects.all().delete()
    r = token_client(md).patch(
        f"{BASE}/promotions/{promotion.promo_no}/",
        {"dcRateAmt": 2000, "targets": [{"aplyGbCd": "02", "aplyTypCd": "02", "tgtNo": "G1"}]},
        format="json",
    )
    assert r.status_code == 200, r.content
    [entry] = _entries()
    assert (entry.action, entry.door, entry.user, entry.object_id) == (
        "update",
        "api",
        md,
        str(promotion.pk),
    )
    assert entry.changes == {
        "dc_rate_amt": [1000, 2000],
        "targets": [[], [{"aply_gb_cd": "02", "aply_typ_cd": "02", "tgt_no": "G1"}]],
    }


def test_transitions_and_revisions_record_who(md, approver):
    promotion = services.promotion_create(user=md, data=promotion_data())
    services.promotion_approve(user=approver, promotion=promotion)
    services.promotion_update(user=md, promotion=promotion, data={"dc_rate_amt": 3000})
    revision = promotion.revisions.get()
    services.promotion_revision_approve(user=approver, revision=revision)
    services.promotion_suspend(user=approver, promotion=promotion)
    services.promotion_end(user=md, promotion=promotion)
    rows = [
        (e.action, e.user.username, e.door, e.changes)
        for e in _entries(object_id=str(promotion.pk), content_type__model="promotion")
    ]
    assert rows[0][:3] == ("create", "md", "command")  # no request, no job: a command's door
    assert rows[1:] == [
        (
            "approve",
            "md2",
            "command",
            {"promo_stat_cd": ["DRAFT", "APPROVED"], "approved_by": [None, approver.pk]},
        ),
        ("revise", "md", "command", {"dc_rate_amt": [1000, 3000]}),
        ("revision_approve", "md2", "command", {"dc_rate_amt": [1000, 3000]}),
        ("suspend", "md2", "command", {"promo_stat_cd": ["APPROVED", "SUSPENDED"]}),
        ("end", "md", "command", {"promo_stat_cd": ["SUSPENDED", "ENDED"]}),
    ]


def test_admin_edit_and_group_permissions_record_the_admin_door(client, md):
    superuser = make_user("root", superuser=True)
    client.force_login(superuser)
    AuditEntry.objects.all().delete()
    group = Group.objects.get(name="CS agent")
    before = set(group.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="change_promotion")
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [*before, extra.pk]},
    )
    assert response.status_code == 302
    [entry] = _entries(action="permissions")
    assert (entry.door, entry.user, entry.object_repr) == ("admin", superuser, "CS agent")
    old, new = entry.changes["permissions"]
    assert set(new) - set(old) == {"coupons.change_promotion"} and set(old) <= set(new)

    page = client.get(reverse("admin:auth_group_history", args=[group.pk]))
    assert 'id="audit-history"' in page.content.decode()
    assert "coupons.change_promotion" in page.content.decode()


def test_revoke_by_api_is_audited_and_issue_by_download_adds_no_row(make_promotion, cs):
    promotion = make_promotion(mbr_issu_lmt_qty=2)
    member = make_member()
    AuditEntry.objects.all().delete()
    r = member_client(member).post(
        "/v1/marketing/cpnDown", {"promoNoList": [promotion.promo_no]}, format="json"
    )
    assert r.status_code == 200
    assert AuditEntry.objects.count() == 0  # the copy's own columns say who, when, how
    coupon = MemberCoupon.objects.get()
    r = token_client(cs).post(
        f"{BASE}/member-coupons/{coupon.pk}/revoke/", {"reason": "오발급"}, format="json"
    )
    assert r.status_code == 200, r.content
    [entry] = _entries()
    assert (entry.action, entry.door, entry.user, entry.object_id) == (
        "revoke",
        "api",
        cs,
        str(coupon.pk),
    )
    assert entry.changes == {"status": ["ISSUED", "REVOKED"]}
    assert entry.extra == {"reason": "오발급", "member": member.pk}


def test_expire_is_one_row_with_its_count_through_the_command(make_promotion):
    promotion = make_promotion(mbr_issu_lmt_qty=3)
    member = make_member()
    issue(member, promotion, qty=3)
    AuditEntry.objects.all().delete()
    past = timezone.now() - timedelta(minutes=1)
    MemberCoupon.objects.update(valid_from=past - timedelta(days=1), valid_until=past)
    call_command("expire_coupons")
    [entry] = _entries()
    assert (entry.action, entry.door, entry.user, entry.extra["count"]) == (
        "expire",
        "command",
        None,
        3,
    )
    assert MemberCoupon.objects.filter(status=codes.CouponStatus.EXPIRED).count() == 3
    issuing.coupons_expire()  # nothing more to expire: no row
    assert AuditEntry.objects.count() == 1


def _suspend_from_job(job):
    promotion = Promotion.objects.get(pk=job.target_id)
    services.promotion_suspend(user=job.created_by, promotion=promotion)
    return {}


register("test.audit", "suspend", _suspend_from_job)


def test_job_attempt_records_the_job_door(make_promotion, approver):
    promotion = make_promotion()
    job = job_enqueue(
        target_type="test.audit",
        target_id=promotion.pk,
        operation="suspend",
        user=approver,
        dispatch=False,
    )
    AuditEntry.objects.all().delete()
    job, _ = job_attempt(job.pk)
    assert job.status == Job.Status.SUCCEEDED
    [entry] = _entries()
    assert (entry.action, entry.door, entry.user) == ("suspend", "job", approver)


def test_logs_are_read_only_for_everyone_but_a_superuser(client, md):
    promotion = services.promotion_create(user=md, data=promotion_data())
    entry = AuditEntry.objects.get(action="create", object_id=str(promotion.pk))
    exchange = HttpExchange.objects.create(marketplace="coupang", method="GET", path="/x")
    job = job_enqueue(
        target_type="test.audit", target_id="1", operation="suspend", user=md, dispatch=False
    )
    client.force_login(md)
    changelist = client.get(
        reverse("admin:audit_auditentry_changelist"), {"door__exact": "command"}
    )
    assert changelist.status_code == 200 and entry.object_repr in changelist.content.decode()
    for name, obj in (
        ("audit_auditentry", entry),
        ("marketplaces_httpexchange", exchange),
        ("jobs_job", job),
    ):
        assert client.get(reverse(f"admin:{name}_delete", args=[obj.pk])).status_code == 403
        page = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert page.status_code == 200 and b'name="_save"' not in page.content
    assert not md.has_perm("marketplaces.delete_httpexchange")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()

    client.force_login(make_user("root", superuser=True))
    url = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_promotion_change_page_shows_its_audit_history(client, md, approver):
    promotion = services.promotion_create(user=md, data=promotion_data())
    services.promotion_approve(user=approver, promotion=promotion)
    client.force_login(md)
    page = client.get(reverse("admin:coupons_promotion_change", args=[promotion.pk]))
    content = page.content.decode()
    assert 'id="audit-history"' in content and "approve" in content and "md2" in content
