"""Marketplace objects are audited on every save: who, the door (API request, job attempt), old →
new; the raw remote payloads stay out of the audit row."""

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from backoffice.audit.models import AuditEntry
from marketplaces.coupang.models import CoupangCoupon
from marketplaces.esm.models import EsmSponsorship
from tests.coupons.api.conftest import make_user
from tests.marketplaces.conftest import sandbox, sandbox_server  # noqa: F401
from tests.marketplaces.coupang.test_api import body as coupang_body
from tests.marketplaces.esm.test_api import BASE as ESM_BASE
from tests.marketplaces.esm.test_api import body as esm_body

pytestmark = pytest.mark.django_db


def _rows(model, obj_id):
    content_type = ContentType.objects.get_for_model(model)
    return list(
        AuditEntry.objects.filter(content_type=content_type, object_id=str(obj_id)).order_by("id")
    )


@pytest.fixture
def md_api(db):
    md = make_user("md", role="Merchandiser")
    client = APIClient()
    client.force_authenticate(md)
    return md, client


def test_esm_sponsorship_create_and_push_are_audited(
    md_api,
    sandbox,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    md, api = md_api
    assert api.post(ESM_BASE, esm_body(), format="json").status_code == 201
    sponsorship = EsmSponsorship.objects.get()
    [created] = _rows(EsmSponsorship, sponsorship.pk)
    assert (created.action, created.door, created.user) == ("create", "api", md)
    assert not {"remote_payload", "pushed_payload"} & set(created.changes)

    with django_capture_on_commit_callbacks(execute=True):  # the job runs once the push commits
        r = api.post(f"{ESM_BASE}{sponsorship.goods_no}/push/")
    assert r.status_code == 202, r.content
    rows = _rows(EsmSponsorship, sponsorship.pk)[1:]
    assert rows and all(row.user == md for row in rows)
    assert {row.door for row in rows} <= {"api", "job"} and "job" in {row.door for row in rows}
    assert all(
        not {"remote_payload", "pushed_payload", "updated_at"} & set(r.changes) for r in rows
    )


def test_coupang_coupon_create_is_audited(md_api, sandbox):  # noqa: F811
    md, api = md_api
    r = api.post("/api/v1/admin/coupang/coupons/", coupang_body(), format="json")
    assert r.status_code == 201, r.content
    coupon = CoupangCoupon.objects.get()
    [created] = _rows(CoupangCoupon, coupon.pk)
    assert (created.action, created.door, created.user) == ("create", "api", md)
    assert created.changes["title"] == [None, "API 쿠폰"]
