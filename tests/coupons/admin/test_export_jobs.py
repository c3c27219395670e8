"""A large Excel export is a job of the one job engine (here its in-process runner): a progress
page, a download for its requester (or a superuser) only, a new sheet past Excel's row limit, and
files gone after EXPORT_KEEP_HOURS."""

import io
import os
import re
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backoffice import exports as backoffice_exports
from backoffice.jobs.models import Job
from backoffice.jobs.services import jobs_join_inprocess
from coupons import codes
from coupons import exports as coupon_exports
from coupons.admin.member_coupons import MemberCouponAdmin
from coupons.issuing import coupon_issue
from coupons.models import MemberCoupon
from tests.coupons.issuing_factories import approved_promotion, member, staff

EXPORT = "admin:coupons_membercoupon_export"
JOB_PAGE = "admin:coupons_membercoupon_export_job"
DOWNLOAD = "admin:coupons_membercoupon_export_download"


@pytest.fixture
def small_threshold(settings, tmp_path):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    settings.EXPORT_DIR = tmp_path / "exports"
    return settings.EXPORT_DIR


@pytest.fixture
def five_coupons():
    promotion = approved_promotion(mbr_issu_lmt_qty=5)
    for n in ("100", "200"):
        member(n)
    coupon_issue(member="100", promotion=promotion, qty=3, channel=codes.Channel.DOWNLOAD)
    coupon_issue(member="200", promotion=promotion, qty=2, channel=codes.Channel.DOWNLOAD)
    return promotion


def job_token(response) -> str:
    assert response.status_code == 302, response.content[:500]
    match = re.fullmatch(
        r"/admin/coupons/membercoupon/export/job/([0-9a-f]{32})/", response["Location"]
    )
    assert match, response["Location"]
    return match.group(1)


def xlsx_rows(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


@pytest.mark.django_db
def test_up_to_the_threshold_the_xlsx_is_answered_at_once(client, small_threshold, five_coupons):
    client.force_login(staff("md", "Merchandiser"))

    response = client.get(reverse(EXPORT, args=["xlsx"]), {"q": "200"})

    sheets = xlsx_rows(response)
    assert [len(rows) for rows in sheets.values()] == [3]  # header and two rows
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_above_the_threshold_a_job_waits_with_its_page(client, small_threshold, five_coupons):
    md = staff("md", "Merchandiser")
    client.force_login(md)

    token = job_token(client.get(reverse(EXPORT, args=["xlsx"]), {"status__exact": "ISSUED"}))

    job = Job.objects.get(target_id=token)
    assert (job.target_type, job.operation, job.status) == ("coupons.export", "xlsx", "PENDING")
    assert job.created_by == md
    assert job.payload["model"] == "coupons.membercoupon"
    assert job.payload["query"] == "status__exact=ISSUED"
    assert job.payload["filename"].startswith("회원쿠폰_") and job.payload["filename"].endswith(
        ".xlsx"
    )
    page = client.get(reverse(JOB_PAGE, args=[token]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "3건이 넘는 목록이라 Excel 파일을 백그라운드에서 만듭니다." in body
    assert '<meta http-equiv="refresh" content="2">' in body
    assert 'id="export-status">대기<' in body
    assert "export-download" not in body
    assert client.get(reverse(DOWNLOAD, args=[token])).status_code == 404
    # the CSV of any size streams: no job
    assert client.get(reverse(EXPORT, args=["csv"])).status_code == 200
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_job_writes_the_file_and_only_its_requester_downloads_it(
    client, small_threshold, five_coupons
):
    md = staff("md", "Merchandiser")
    client.force_login(md)

    # the job replays the list's filters and sort (by member, then newest first)
    params = {"status__exact": "ISSUED", "o": "1.-0"}  # a merchandiser has no action column
    token = job_token(client.get(reverse(EXPORT, args=["xlsx"]), params))
    assert jobs_join_inprocess(60)

    job = Job.objects.get(target_id=token)
    assert job.status == Job.Status.SUCCEEDED, job.last_error
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    assert job.result["rows"] == 5
    assert sorted(os.listdir(small_threshold)) == [f"{token}.xlsx"]  # no .part left
    page = client.get(reverse(JOB_PAGE, args=[token])).content.decode()
    assert 'id="export-status">성공<' in page and "5/5 (100%)" in page
    assert "refresh" not in page
    assert f'href="{reverse(DOWNLOAD, args=[token])}"' in page
    download = client.get(reverse(DOWNLOAD, args=[token]))
    assert download["Content-Disposition"].startswith('attachment; filename="')
    assert (
        "filename*=UTF-8''%ED%9A%8C%EC%9B%90%EC%BF%A0%ED%8F%B0_" in download["Content-Disposition"]
    )
    sheets = xlsx_rows(download)
    assert list(sheets) == ["회원쿠폰"]
    rows = sheets["회원쿠폰"]
    assert rows[0][:3] == ("쿠폰발급번호", "회원번호", "프로모션번호")
    assert [(r[0], r[1]) for r in rows[1:]] == list(
        MemberCoupon.objects.order_by("member_id", "-cpn_isu_no").values_list("pk", "member_id")
    )
    assert [r[1] for r in rows[1:]] == ["100", "100", "100", "200", "200"]

    # someone else's export is not found, for another merchandiser as for anyone
    client.force_login(staff("md2", "Merchandiser"))
    assert client.get(reverse(JOB_PAGE, args=[token])).status_code == 404
    assert client.get(reverse(DOWNLOAD, args=[token])).status_code == 404
    # nor under another list's URLs
    client.force_login(md)
    other_list = reverse("admin:coupons_couponuse_export_job", args=[token])
    assert client.get(other_list).status_code == 404
    # a superuser may fetch it
    client.force_login(staff("admin", superuser=True))
    assert client.get(reverse(DOWNLOAD, args=[token])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_past_the_sheet_limit_the_rows_continue_on_a_new_sheet(
    client, small_threshold, five_coupons, monkeypatch
):
    # Excel's limit is 1,048,576 rows a sheet; three (a header and two rows) shows the same split.
    monkeypatch.setattr(backoffice_exports, "XLSX_MAX_ROWS_PER_SHEET", 3)
    client.force_login(staff("md", "Merchandiser"))

    token = job_token(client.get(reverse(EXPORT, args=["xlsx"])))
    assert jobs_join_inprocess(60)

    sheets = xlsx_rows(client.get(reverse(DOWNLOAD, args=[token])))
    assert list(sheets) == ["회원쿠폰", "회원쿠폰 (2)", "회원쿠폰 (3)"]
    assert [len(rows) for rows in sheets.values()] == [3, 3, 2]
    assert {rows[0][0] for rows in sheets.values()} == {"쿠폰발급번호"}
    ids = [row[0] for rows in sheets.values() for row in rows[1:]]
    assert ids == list(MemberCoupon.objects.order_by("-cpn_isu_no").values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_files_are_gone_after_the_keeping_time(client, small_threshold, five_coupons, settings):
    client.force_login(staff("md", "Merchandiser"))
    first = job_token(client.get(reverse(EXPORT, args=["xlsx"])))
    assert jobs_join_inprocess(60)
    old = small_threshold / f"{first}.xlsx"
    day_ago = time.time() - settings.EXPORT_KEEP_HOURS * 3600 - 60
    os.utime(old, (day_ago, day_ago))
    half_written = small_threshold / "0123456789abcdef0123456789abcdef.part"
    half_written.write_bytes(b"x")
    os.utime(half_written, (day_ago, day_ago))

    # past its keeping time a file is not served, even before anything deleted it
    assert client.get(reverse(DOWNLOAD, args=[first])).status_code == 404
    page = client.get(reverse(JOB_PAGE, args=[first])).content.decode()
    assert 'id="export-expired"' in page and "export-download" not in page
    # the next export deletes what is past its time
    second = job_token(client.get(reverse(EXPORT, args=["xlsx"])))
    assert jobs_join_inprocess(60)
    assert sorted(os.listdir(small_threshold)) == [f"{second}.xlsx"]


@pytest.mark.django_db(transaction=True)
def test_a_requester_without_the_permission_gets_a_failed_job(small_threshold, five_coupons):
    from django.contrib import admin

    nobody = staff("nobody")
    model_admin = admin.site._registry[MemberCoupon]
    assert isinstance(model_admin, MemberCouponAdmin)

    job = coupon_exports.export_enqueue(
        user=nobody, model_admin=model_admin, query="", filename="x.xlsx"
    )
    assert jobs_join_inprocess(60)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.last_error == "요청한 사용자에게 이 목록을 볼 권한이 없습니다."
    assert os.listdir(small_threshold) == []
