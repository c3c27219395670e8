"""Marketplace fixtures: the bundled sandbox on loopback, and the sync engine set up for tests.

`sandbox` gives a fresh SandboxHandle (state and faults reset) whose URL the Coupang and ESM
clients use; jobs run inline right after commit (`JOBS_EAGER`) with short delays. Wrap the
code that commits in `django_capture_on_commit_callbacks(execute=True)` to run the job.
"""

import pytest

from backoffice.jobs.services import jobs_join_inprocess
from marketplaces.sandbox import start_sandbox


@pytest.fixture(scope="session")
def sandbox_server():
    handle = start_sandbox("127.0.0.1", 0)
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    sandbox_server.reset()
    settings.COUPANG_BASE_URL = sandbox_server.base_url
    settings.ESM_BASE_URL = sandbox_server.base_url
    settings.CELERY_BROKER_URL = ""
    settings.JOBS_EAGER = True
    settings.JOB_MAX_ATTEMPTS = 4
    settings.JOB_BACKOFF_SECONDS = 0.01
    settings.JOB_BACKOFF_MAX_SECONDS = 2.0
    settings.MARKETPLACE_HTTP_TIMEOUT = 3.0
    settings.COUPANG_POLL_INTERVAL_SECONDS = 0.05
    settings.COUPANG_POLL_MAX = 40
    settings.COUPANG_CONTRACT_ID = ""
    sandbox_server.configure("coupang", settle_seconds=0.1, rate_limit_rps=1000)
    yield sandbox_server
    sandbox_server.reset()


def coupon_kwargs(**overrides):
    """Valid arguments for `coupang_coupon_create`: 3 PRICE tiers, 5 items, starting in 2 hours."""
    from datetime import timedelta

    from django.utils import timezone

    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    kwargs = {
        "title": "가을 맞이 다운로드 쿠폰",
        "start_at": start,
        "end_at": start + timedelta(days=7),
        "policies": [
            {
                "title": f"정책 {n}",
                "type_of_discount": "PRICE",
                "description": f"{n}만원 이상",
                "minimum_price": n * 10000,
                "discount": n * 1000,
                "maximum_discount_price": None,
                "maximum_per_daily": 1,
            }
            for n in (1, 2, 3)
        ],
        "vendor_item_ids": [3000000101, 3000000102, 3000000103, 3000000104, 3000000105],
    }
    kwargs.update(overrides)
    return kwargs


@pytest.fixture
def merchandiser(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("md", password="pw-md-12345", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["marketplaces", "jobs"])
    )
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def make_coupon(merchandiser):
    from marketplaces.coupang.services import coupang_coupon_create

    def make(**overrides):
        return coupang_coupon_create(user=merchandiser, **coupon_kwargs(**overrides))

    return make


def join_job_runners(timeout: float = 20.0) -> None:
    """Wait until the in-process runner (a thread per attempt, as without a broker) has no
    attempt running or waiting, retries included, instead of sleeping and polling."""
    assert jobs_join_inprocess(timeout)
