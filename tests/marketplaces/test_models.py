"""The sync engine's rows refuse bad states in the database; system checks catch bad
configuration."""

import pytest
from django.core.checks import run_checks
from django.db import IntegrityError, transaction

from backoffice.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_one_open_sync_job_per_target_in_the_database():
    Job.objects.create(target_type="coupang.coupon", target_id="1", operation="push")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(target_type="coupang.coupon", target_id="1", operation="expire")
    Job.objects.filter(target_id="1").update(status="FAILED")
    Job.objects.create(target_type="coupang.coupon", target_id="1", operation="push")
    assert Job.objects.count() == 2


def test_system_checks(settings):
    settings.COUPANG_BASE_URL = "https://api-gateway.coupang.com"
    ids = [m.id for m in run_checks(tags=["marketplaces"])]
    assert (
        ids.count("marketplaces.E002") == 3
    )  # vendor id is set; the keys and WING id are sandbox's
    settings.COUPANG_BASE_URL = "ftp://x"
    assert "marketplaces.E001" in [m.id for m in run_checks(tags=["marketplaces"])]
    settings.COUPANG_BASE_URL = ""
    settings.COUPANG_CONTRACT_ID = "abc"
    assert [
        m.id for m in run_checks(tags=["marketplaces"]) if m.id.startswith("marketplaces.E")
    ] == ["marketplaces.E003"]
