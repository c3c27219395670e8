"""Exports of the member-coupon and coupon-use lists as filtered (issue 13): the rows' shapes, the
admin views that serve them, and the job that writes a large .xlsx.

The rows are the changelist's own queryset (its filters, search and order) read as
`values_list(...).iterator()`: tuples in chunks from a server-side cursor, no model instance per
row. A CSV streams at any size (memory stays flat whatever the row count, so it needs no count
and no job). An .xlsx must be written whole before its first byte is sent, so above
`EXPORT_INLINE_MAX_ROWS` rows (a bounded count: it never reads more than that many plus one) it
is a job of the one job engine, writing into `EXPORT_DIR`; its page shows the progress and, once
done, a download link to the user who asked (or a superuser). Files older than
`EXPORT_KEEP_HOURS` are deleted by the next export and are no longer served.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.exports import (
    XLSX_CONTENT_TYPE,
    content_disposition,
    csv_response,
    fast_timestamps,
    xlsx_response,
    xlsx_write,
)
from backoffice.jobs.errors import JobFailed
from backoffice.jobs.models import Job
from backoffice.jobs.services import job_enqueue, job_heartbeat

from . import codes

logger = logging.getLogger(__name__)

# The job engine's key for an export: (target_type, operation); the target id is the file's token.
JOB_TARGET = "coupons.export"
JOB_OPERATION = "xlsx"
CHUNK_ROWS = 2000  # rows fetched from the server-side cursor at a time
PROGRESS_EVERY = 5000  # rows between two heartbeats (progress) of an export job
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
FORMATS = ("csv", "xlsx")


# -- row shapes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportShape:
    """What one export writes: its columns (header, values_list field), the codes written as
    their names, and extra fields read only for `shape_row(list) -> row`."""

    name: str  # the file name's stem and the sheet's name, translated when the export starts
    columns: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, type], ...] = ()
    extra_fields: tuple[str, ...] = ()
    shape_row: Callable[[list], Sequence] | None = None

    @property
    def fields(self) -> list[str]:
        return [field for _header, field in self.columns]

    def headers(self) -> list[str]:
        """The column headers in the active language."""
        return [str(header) for header, _field in self.columns]

    def rows(self, queryset, *, hold_transaction: bool = True) -> Iterator[Sequence]:
        """The queryset's rows, in its order, read in chunks from a server-side cursor."""
        fields = self.fields
        names = [
            (fields.index(field), {code: str(label) for code, label in choices.choices})
            for field, choices in self.labels
        ]
        values = queryset.values_list(*fields, *self.extra_fields)
        shape_row = self.shape_row

        def shaped(rows):
            for row in rows:
                row = list(row)
                for i, by_code in names:
                    row[i] = by_code.get(row[i], row[i])
                yield shape_row(row) if shape_row else row

        with fast_timestamps(values.db):
            if not hold_transaction:
                # Autocommit: PostgreSQL declares the cursor WITH HOLD (it keeps the rows in a
                # temporary file on its side), so the job's progress commits while it reads.
                yield from shaped(values.iterator(chunk_size=CHUNK_ROWS))
                return
            # In a transaction PostgreSQL sends the rows as they are fetched (no WITH HOLD copy).
            with transaction.atomic(using=values.db):
                yield from shaped(values.iterator(chunk_size=CHUNK_ROWS))


_ISSUED_BY = 11  # the 발급자 column of MEMBER_COUPONS


def _member_coupon_row(row: list) -> list:
    # 발급자: the BO user's login, or the system user number of a batch or an API call
    system_user_no = row.pop()
    row[_ISSUED_BY] = row[_ISSUED_BY] or system_user_no
    return row


MEMBER_COUPONS = ExportShape(
    name=_("회원쿠폰"),
    columns=(
        (_("쿠폰발급번호"), "cpn_isu_no"),
        (_("회원번호"), "member_id"),
        (_("프로모션번호"), "promotion__promo_no"),
        (_("프로모션명"), "promotion__promo_nm"),
        (_("프로모션유형"), "promotion__promo_typ_cd"),
        (_("상태"), "status"),
        (_("발급경로"), "channel"),
        (_("발급사유"), "cs_cpn_pay_caus_cd"),
        (_("발급일시"), "issued_at"),
        (_("유효기간 시작"), "valid_from"),
        (_("유효기간 종료"), "valid_until"),
        (_("발급자"), "issued_by__username"),
        (_("자동발급차수"), "auto_issu_odr"),
        (_("메모"), "memo"),
        (_("주문번호"), "ord_no"),
        (_("사용일시"), "used_at"),
        (_("사용 주문번호"), "use_ord_no"),
        (_("회수자"), "revoked_by__username"),
        (_("회수일시"), "revoked_at"),
        (_("회수사유"), "revoke_reason"),
    ),
    labels=(
        ("promotion__promo_typ_cd", codes.PromoType),
        ("status", codes.CouponStatus),
        ("channel", codes.Channel),
        ("cs_cpn_pay_caus_cd", codes.CsReason),
    ),
    extra_fields=("system_user_no",),
    shape_row=_member_coupon_row,
)

COUPON_USES = ExportShape(
    name=_("쿠폰사용"),
    columns=(
        (_("사용번호"), "id"),
        (_("주문번호"), "ord_no"),
        (_("회원번호"), "member_id"),
        (_("쿠폰발급번호"), "member_coupon_id"),
        (_("프로모션번호"), "promotion__promo_no"),
        (_("프로모션명"), "promotion__promo_nm"),
        (_("프로모션유형"), "promo_typ_cd"),
        (_("주문상품순번"), "ord_goods_seq"),
        (_("배송그룹번호"), "deli_no"),
        (_("할인금액"), "dc_amt"),
        (_("당사부담 할인금액"), "our_dc_amt"),
        (_("협력사부담 할인금액"), "entr_dc_amt"),
        (_("사용일시"), "used_at"),
        (_("환수 할인금액"), "clawback_amt"),
        (_("복원일시"), "restored_at"),
        (_("복원 클레임번호"), "restore_clm_no"),
        (_("복원 후 상태"), "restored_status"),
    ),
    labels=(("promo_typ_cd", codes.PromoType), ("restored_status", codes.CouponStatus)),
)


# -- files ----------------------------------------------------------------------------------------
def export_dir() -> Path:
    directory = Path(settings.EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def export_file(token: str) -> Path:
    return export_dir() / f"{token}.xlsx"


def exports_clean(*, now: float | None = None) -> int:
    """Delete export files (finished or left half-written) older than EXPORT_KEEP_HOURS; returns
    how many were deleted."""
    cutoff = (now or time.time()) - settings.EXPORT_KEEP_HOURS * 3600
    deleted = 0
    for entry in os.scandir(export_dir()):
        if entry.is_file() and entry.name.endswith((".xlsx", ".part")):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    deleted += 1
            except FileNotFoundError:  # another process cleaned it meanwhile
                pass
    return deleted


def _is_fresh(file: Path) -> bool:
    try:
        age = time.time() - file.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < settings.EXPORT_KEEP_HOURS * 3600


# -- the job ----------------------------------------------------------------------------------------
def export_enqueue(*, user, model_admin, query: str, filename: str) -> Job:
    """Queue an .xlsx export of the changelist `query` (its GET string) for `user`; returns the job."""
    opts = model_admin.model._meta
    return job_enqueue(
        target_type=JOB_TARGET,
        target_id=uuid.uuid4().hex,
        operation=JOB_OPERATION,
        payload={
            "model": opts.label_lower,
            "query": query,
            "filename": filename,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
        user=user,
    )


def export_job(job: Job) -> dict:
    """The job handler: replay the changelist's query as its requester and write the .xlsx into
    EXPORT_DIR (under a temporary name until complete); safe to attempt again from the start."""
    exports_clean()
    payload = job.payload
    model_admin = _model_admin(payload.get("model", ""))
    user = job.created_by
    request = _replayed_request(model_admin, payload.get("query", ""), user)
    if user is None or not (user.is_active and user.is_staff):
        raise JobFailed(gettext("요청한 사용자가 없거나 비활성입니다."))
    if not model_admin.has_view_permission(request):
        raise JobFailed(gettext("요청한 사용자에게 이 목록을 볼 권한이 없습니다."))
    shape = model_admin.export_shape
    final = export_file(job.target_id)
    part = final.with_suffix(".part")
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        try:
            queryset = model_admin.export_queryset(request)
        except IncorrectLookupParameters:
            raise JobFailed(gettext("목록의 필터가 올바르지 않습니다.")) from None
        total = queryset.order_by().count()
        job_heartbeat(job, done=0, total=total)
        try:
            rows = xlsx_write(
                str(part),
                headers=shape.headers(),
                rows=shape.rows(queryset, hold_transaction=False),
                sheet=str(shape.name),
                progress=lambda n: job_heartbeat(job, done=n, total=max(total, n)),
                progress_every=PROGRESS_EVERY,
            )
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, final)
    return {"rows": rows, "bytes": final.stat().st_size, "filename": payload.get("filename", "")}


def _model_admin(label: str):
    try:
        model = apps.get_model(label)
        return admin.site._registry[model]
    except (LookupError, ValueError, KeyError):
        raise JobFailed(gettext("내보낼 수 없는 목록입니다: %s") % label) from None


def _replayed_request(model_admin, query: str, user) -> HttpRequest:
    # The changelist is built from a GET like the one the user sent, so the export has exactly
    # the rows of its filters and search, checked against the requester's permissions.
    request = HttpRequest()
    request.method = "GET"
    opts = model_admin.model._meta
    request.path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    request.GET = QueryDict(query)
    request.user = user
    return request


# -- the admin side ---------------------------------------------------------------------------------
class ChangelistExportMixin:
    """CSV and Excel downloads of a changelist as filtered, for a ModelAdmin with `export_shape`.

    The pages: `export/csv/`, `export/xlsx/` (the changelist's query string), and an export job's
    `export/<token>/` (progress) and `export/<token>/download/`."""

    export_shape: ExportShape

    def export_urls(self, wrap) -> list:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("export/<str:fmt>/", wrap(self.export_view), name="%s_%s_export" % info),
            path(
                "export/job/<str:token>/",
                wrap(self.export_job_view),
                name="%s_%s_export_job" % info,
            ),
            path(
                "export/job/<str:token>/download/",
                wrap(self.export_download_view),
                name="%s_%s_export_download" % info,
            ),
        ]

    def export_queryset(self, request):
        """Exactly the rows the changelist shows for this request's filters and search, in its
        order (every page)."""
        return self.get_changelist_instance(request).queryset

    def export_filename(self) -> str:
        return "%s_%s" % (self.export_shape.name, timezone.localtime().strftime("%Y%m%d_%H%M"))

    def export_view(self, request, fmt):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise Http404
        info = self.model._meta.app_label, self.model._meta.model_name
        try:
            queryset = self.export_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info) + "?" + "e=1")
        shape = self.export_shape
        filename = self.export_filename()
        if fmt == "csv":
            return csv_response(
                filename=filename, headers=shape.headers(), rows=shape.rows(queryset)
            )
        limit = settings.EXPORT_INLINE_MAX_ROWS
        if queryset.order_by()[: limit + 1].count() > limit:
            job = export_enqueue(
                user=request.user,
                model_admin=self,
                query=request.GET.urlencode(),
                filename=filename + ".xlsx",
            )
            self.message_user(
                request,
                gettext(
                    "%(n)s건이 넘는 목록이라 Excel 파일을 백그라운드에서 만듭니다. "
                    "이 페이지에서 진행 상황을 보고, 끝나면 내려받으세요."
                )
                % {"n": f"{limit:,}"},
            )
            return HttpResponseRedirect(
                reverse("admin:%s_%s_export_job" % info, args=[job.target_id])
            )
        return xlsx_response(
            filename=filename,
            headers=shape.headers(),
            rows=shape.rows(queryset),
            sheet=str(shape.name),
        )

    def _export_job_for(self, request, token) -> Job:
        # Someone else's export is answered like a missing one: its existence is not shown.
        if not self.has_view_permission(request) or not TOKEN_RE.match(token):
            raise Http404
        job = (
            Job.objects.filter(target_type=JOB_TARGET, target_id=token, operation=JOB_OPERATION)
            .select_related("created_by")
            .first()
        )
        if (
            job is None
            or job.payload.get("model") != self.model._meta.label_lower
            or not (request.user.is_superuser or job.created_by_id == request.user.pk)
        ):
            raise Http404
        return job

    def export_job_view(self, request, token):
        job = self._export_job_for(request, token)
        file = export_file(token)
        ready = job.status == Job.Status.SUCCEEDED and _is_fresh(file)
        info = self.model._meta.app_label, self.model._meta.model_name
        return TemplateResponse(
            request,
            [
                "admin/%s/%s/export_job.html" % info,
                "admin/coupons/membercoupon/export_job.html",
            ],
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Excel 내보내기 #%(id)d") % {"id": job.pk},
                "job": job,
                "running": job.is_open,
                "ready": ready,
                "expired": job.status == Job.Status.SUCCEEDED and not ready,
                "filename": job.payload.get("filename", ""),
                "changelist_url": reverse("admin:%s_%s_changelist" % info)
                + ("?" + job.payload["query"] if job.payload.get("query") else ""),
                "keep_hours": settings.EXPORT_KEEP_HOURS,
            },
        )

    def export_download_view(self, request, token):
        job = self._export_job_for(request, token)
        file = export_file(token)
        if job.status != Job.Status.SUCCEEDED or not _is_fresh(file):
            raise Http404
        response = FileResponse(
            open(file, "rb"),  # FileResponse closes it once sent
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = content_disposition(
            job.payload.get("filename") or f"{token}.xlsx"
        )
        response["Cache-Control"] = "no-store"
        return response
