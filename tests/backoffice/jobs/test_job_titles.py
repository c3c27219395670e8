"""A job as a person reads it: its title and its string in the user's language, from the labels
its owner gave the registry, or a readable form of its codes when it gave none."""

import pytest
from django.urls import reverse
from django.utils import translation

from backoffice.jobs import registry
from backoffice.jobs.models import Job

pytestmark = pytest.mark.django_db


def _job(target_type, operation, target_id="2", status=Job.Status.FAILED):
    return Job.objects.create(
        target_type=target_type, target_id=target_id, operation=operation, status=status
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ko", "작업 #{pk} 쿠팡에 등록 · 쿠팡 다운로드 쿠폰 #2 (실패)"),
        ("en", "Job #{pk} Register on Coupang · Coupang Download Coupon #2 (Failed)"),
    ],
)
def test_a_coupang_push_reads_in_the_users_language(language, expected):
    job = _job("coupang.coupon", "push")
    with translation.override(language):
        assert str(job) == expected.format(pk=job.pk)
        assert "push" not in str(job) and "FAILED" not in str(job)


@pytest.mark.parametrize(
    ("target_type", "operation", "ko", "en"),
    [
        ("esm.sponsorship", "release", "ESM에서 해제", "Remove from ESM"),
        ("esm.sponsorship", "pull", "ESM에서 조회", "Read from ESM"),
        ("coupang.coupon", "expire", "쿠팡에서 만료", "Expire on Coupang"),
        # no label from its owner: a common verb
        ("coupons.export", "xlsx", "엑셀 파일 만들기", "Make an Excel file"),
        ("coupons.compensation_run", "issue", "쿠폰 발급", "Issue coupons"),
    ],
)
def test_operation_labels(target_type, operation, ko, en):
    job = _job(target_type, operation)
    with translation.override("ko"):
        assert job.operation_label == ko
    with translation.override("en"):
        assert job.operation_label == en


def test_a_job_nobody_described_reads_as_its_codes_made_readable():
    job = _job("acme.price_list", "re_index", target_id="7", status=Job.Status.PENDING)
    with translation.override("ko"):
        assert job.title == "re index · acme price list #7"
        assert str(job) == f"작업 #{job.pk} re index · acme price list #7 (대기)"


def test_register_takes_a_label_and_describe_labels_a_target(monkeypatch):
    monkeypatch.setattr(registry, "HANDLERS", {})
    monkeypatch.setattr(registry, "OPERATION_LABELS", {})
    monkeypatch.setattr(registry, "TARGET_LABELS", {})
    registry.register("acme.thing", "sync", lambda job: None, label="동기화하기")
    registry.describe("acme.thing", label="에이크미 물건")
    job = _job("acme.thing", "sync", target_id="5")
    assert job.title == "동기화하기 · 에이크미 물건 #5"


def test_the_job_list_and_page_show_the_title(admin_client):
    job = _job("coupang.coupon", "push")
    with translation.override("ko"):
        listing = admin_client.get(reverse("admin:jobs_job_changelist")).content.decode()
        page = admin_client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    assert "쿠팡에 등록 · 쿠팡 다운로드 쿠폰 #2" in listing
    assert "쿠팡에 등록 · 쿠팡 다운로드 쿠폰 #2" in page
    assert "coupang.coupon:2" not in listing + page


def test_the_coupons_jobs_and_refusal_codes_have_names():
    job = _job("coupons.compensation_run", "issue", target_id="5", status=Job.Status.SUCCEEDED)
    with translation.override("ko"):
        assert job.title == "쿠폰 발급 · CS 보상 발급 #5"
        assert registry.code_name("UNKNOWN_MEMBER") == "존재하지 않는 회원입니다."
    with translation.override("en"):
        assert job.title == "Issue coupons · CS compensation #5"
        assert registry.code_name("SOLD_OUT") == "The issue limit is used up."
