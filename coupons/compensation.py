"""CS compensation: issue an issuer-20 coupon to one member or thousands, with a reason (MK021).

A submission is a `CompensationRun` keyed by a one-time submission key (a double submission finds
the first run and issues nothing more) with one `CompensationItem` per member. Each member is
issued in its own transaction together with its item row, so a run interrupted half way resumes
without issuing anyone twice. Every run is a job of the one job engine (`backoffice.jobs`):
up to `BACKGROUND_THRESHOLD` members it runs in the agent's request; above that it runs in the
background with its progress on the job. A runner that dies is taken over by the job sweep,
which resumes the run where its last committed chunk ended.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.jobs.services import job_enqueue, job_heartbeat, job_run

from . import codes, errors
from .errors import Conflict, DomainError, IssueRefused
from .issuing import OK, coupon_issue, issue_refusal, refuse
from .models import CompensationItem, CompensationRun, Member, MemberPromotionCounter, Promotion

BACKGROUND_THRESHOLD = 1000
MAX_MEMBERS = 100_000
MBR_NO_MAX_LEN = 20
_CHUNK = 1000
# The job engine's key for a run: (target_type, operation); coupons/apps.py registers the handler.
JOB_TARGET = "coupons.compensation_run"
JOB_OPERATION = "issue"
_SPLIT_RE = re.compile(r"[\s,;]+")
_HEADER_NAMES = {"mbrno", "mbr_no", "회원번호", "member", "memberno", "member_no"}


@dataclass
class MemberCheck:
    """One member of a compensation preview: OK, or the problem code and message."""

    line_no: int
    mbr_no: str
    code: str = OK
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.code == OK


def parse_member_numbers(text: str = "", csv_bytes: bytes | None = None) -> tuple[list[str], int]:
    """Member numbers from pasted text (any whitespace, comma or semicolon) and/or a CSV upload
    (first column, an optional header row); returns (unique numbers in input order, duplicates
    dropped)."""
    raw: list[str] = [part for part in _SPLIT_RE.split(text or "") if part]
    if csv_bytes:
        decoded = csv_bytes.decode("utf-8-sig", errors="replace")
        for i, row in enumerate(csv.reader(io.StringIO(decoded))):
            cell = (row[0] if row else "").strip()
            if not cell or (i == 0 and cell.lower().replace(" ", "") in _HEADER_NAMES):
                continue
            raw.append(cell)
    unique = list(dict.fromkeys(raw))
    return unique, len(raw) - len(unique)


def _cs_promotion(promotion) -> Promotion:
    if not isinstance(promotion, Promotion):
        found = Promotion.objects.filter(promo_no=str(promotion or "").strip()).first()
        if found is None:
            raise refuse(
                errors.UNKNOWN_PROMOTION,
                _("존재하지 않는 프로모션입니다: %(no)s") % {"no": promotion},
            )
        promotion = found
    if promotion.cpn_issu_main_cd != codes.Issuer.CS:
        raise DomainError(
            _("CS보상쿠폰(발급주체 20) 프로모션만 보상 발급할 수 있습니다."),
            code="NOT_CS_PROMOTION",
            fields={"promotion": [_("CS보상쿠폰 프로모션을 선택하세요.")]},
        )
    return promotion


def _check_reason(reason_cd: str) -> None:
    if reason_cd not in codes.CsReason.values:
        raise DomainError(
            _("보상 사유(MK021)를 선택하세요."),
            code=errors.REASON_REQUIRED,
            fields={"cs_cpn_pay_caus_cd": [_("보상 사유는 필수입니다.")]},
        )


def _check_members(mbr_nos: list[str]) -> list[str]:
    mbr_nos = list(dict.fromkeys(str(m).strip() for m in mbr_nos if str(m).strip()))
    if not mbr_nos:
        raise DomainError(
            _("회원번호를 하나 이상 입력하세요."),
            code="NO_MEMBERS",
            fields={"mbr_nos": [_("회원번호를 입력하세요.")]},
        )
    if len(mbr_nos) > MAX_MEMBERS:
        raise DomainError(
            _("한 번에 %(n)d명까지 발급할 수 있습니다.") % {"n": MAX_MEMBERS},
            code="TOO_MANY_MEMBERS",
            fields={"mbr_nos": [_("회원이 너무 많습니다.")]},
        )
    return mbr_nos


def compensation_preview(
    *, promotion, mbr_nos: list[str], reason_cd: str, now: datetime | None = None
) -> list[MemberCheck]:
    """Each member's outcome if issued now (OK or the problem code), in a fixed number of queries
    per 1,000 members; issues nothing. Raises DomainError for a non-CS promotion, a missing
    reason or no members."""
    now = now or timezone.now()
    promotion = _cs_promotion(promotion)
    _check_reason(reason_cd)
    mbr_nos = _check_members(mbr_nos)
    promotion.refresh_from_db()
    checks: list[MemberCheck] = []
    for start in range(0, len(mbr_nos), _CHUNK):
        chunk = mbr_nos[start : start + _CHUNK]
        valid = [m for m in chunk if len(m) <= MBR_NO_MAX_LEN]
        # What the issue rules read of a member (selectors.ISSUE_RULES): grade and site.
        found = {
            pk: Member(pk=pk, grade_cd=grade_cd, site_no=site_no)
            for pk, grade_cd, site_no in Member.objects.filter(pk__in=valid).values_list(
                "pk", "grade_cd", "site_no"
            )
        }
        held = dict(
            MemberPromotionCounter.objects.filter(
                promotion=promotion, member_id__in=valid
            ).values_list("member_id", "issued_qty")
        )
        for offset, mbr_no in enumerate(chunk):
            check = MemberCheck(line_no=start + offset + 1, mbr_no=mbr_no)
            if mbr_no not in found:
                check.code, check.message = errors.UNKNOWN_MEMBER, _("존재하지 않는 회원입니다.")
            else:
                refusal = issue_refusal(
                    promotion=promotion,
                    member=found[mbr_no],
                    qty=1,
                    channel=codes.Channel.CS,
                    reason_cd=reason_cd,
                    now=now,
                )
                if refusal is None and held.get(mbr_no, 0) + 1 > promotion.mbr_issu_lmt_qty:
                    refusal = refuse(
                        errors.MEMBER_LIMIT,
                        _("회원당 발급한도(%(n)d장)에 도달했습니다.")
                        % {"n": promotion.mbr_issu_lmt_qty},
                    )
                if refusal is not None:
                    check.code, check.message = refusal.code, refusal.message
            checks.append(check)
    if promotion.issu_lmt_qty is not None:
        left = max(promotion.issu_lmt_qty - promotion.issu_qty, 0)
        for check in checks:
            if check.ok:
                if left > 0:
                    left -= 1
                else:
                    check.code, check.message = errors.SOLD_OUT, _("발급한도가 모두 소진됩니다.")
    return checks


def compensation_issue(
    *,
    user,
    promotion,
    mbr_nos: list[str],
    reason_cd: str,
    memo: str = "",
    ord_no: str = "",
    submission_key: str,
) -> CompensationRun:
    """Issue one copy to each member (each independently) and return the CompensationRun: done
    when it returns for up to 1,000 members, a background job with progress above that. A second
    call with the same submission_key and the same request returns the first run
    (`run.duplicate_submission` True) and issues nothing. Raises DomainError like
    compensation_preview or for a missing key, Conflict SUBMISSION_KEY_REUSED for a key reused
    with another promotion, reason, memo, order number or member list."""
    promotion = _cs_promotion(promotion)
    _check_reason(reason_cd)
    mbr_nos = _check_members(mbr_nos)
    submission_key = (submission_key or "").strip()
    if not submission_key:
        raise DomainError(
            _("제출키가 없습니다. 미리보기부터 다시 진행하세요."), code="SUBMISSION_KEY_REQUIRED"
        )
    background = len(mbr_nos) > BACKGROUND_THRESHOLD
    with transaction.atomic():
        run, created = CompensationRun.objects.get_or_create(
            submission_key=submission_key[:64],
            defaults={
                "promotion": promotion,
                "cs_cpn_pay_caus_cd": reason_cd,
                "memo": (memo or "")[:500],
                "ord_no": (ord_no or "")[:30],
                "created_by": user,
                "created_at": timezone.now(),
                "background": background,
                "total": len(mbr_nos),
            },
        )
        if not created:
            _check_same_submission(
                run,
                promotion=promotion,
                reason_cd=reason_cd,
                memo=memo,
                ord_no=ord_no,
                mbr_nos=mbr_nos,
            )
            run.duplicate_submission = True
            return run
        CompensationItem.objects.bulk_create(
            (
                CompensationItem(run=run, line_no=i, mbr_no=m[:MBR_NO_MAX_LEN])
                for i, m in enumerate(mbr_nos, 1)
            ),
            batch_size=2000,
        )
        job = job_enqueue(
            target_type=JOB_TARGET,
            target_id=run.pk,
            operation=JOB_OPERATION,
            user=user,
            progress_total=len(mbr_nos),
            dispatch=background,
        )
    if not background:
        job_run(job.pk)
        run.refresh_from_db()
    run.duplicate_submission = False
    return run


# What a submission key stands for, by the service's field names and the label the message uses.
_SUBMISSION_TERMS = {
    "promotion": gettext_lazy("프로모션"),
    "cs_cpn_pay_caus_cd": gettext_lazy("보상 사유"),
    "memo": gettext_lazy("메모"),
    "ord_no": gettext_lazy("주문번호"),
    "mbr_nos": gettext_lazy("회원 목록"),
}


def _check_same_submission(
    run: CompensationRun, *, promotion, reason_cd: str, memo: str, ord_no: str, mbr_nos: list[str]
) -> None:
    """A key already used must come with the same request (promotion, reason, memo, order number,
    the members in order) as the run it started; otherwise Conflict SUBMISSION_KEY_REUSED naming
    what differs. Compared with the stored run and its items: the run keeps the whole request."""
    differs = []
    if run.promotion_id != promotion.pk:
        differs.append("promotion")
    if run.cs_cpn_pay_caus_cd != reason_cd:
        differs.append("cs_cpn_pay_caus_cd")
    if run.memo != (memo or "")[:500]:
        differs.append("memo")
    if run.ord_no != (ord_no or "")[:30]:
        differs.append("ord_no")
    wanted = [m[:MBR_NO_MAX_LEN] for m in mbr_nos]
    if run.total != len(wanted) or wanted != list(
        CompensationItem.objects.filter(run_id=run.pk)
        .order_by("line_no")
        .values_list("mbr_no", flat=True)
    ):
        differs.append("mbr_nos")
    if not differs:
        return
    what = ", ".join(str(_SUBMISSION_TERMS[name]) for name in differs)
    raise Conflict(
        _(
            "이 제출키로 이미 다른 요청(%(what)s)이 접수되었습니다(실행 #%(run)s). "
            "같은 키로 다른 요청을 보낼 수 없습니다. 미리보기부터 다시 진행하세요."
        )
        % {"what": what, "run": run.pk},
        code=errors.SUBMISSION_KEY_REUSED,
        fields={
            "submission_key": [_("이미 다른 요청에 쓰인 제출키입니다.")],
            **{name: [_("처음 제출한 요청과 다릅니다.")] for name in differs},
        },
    )


def compensation_run_process(
    *, run_id: int, resume: bool = False, chunk: int = 100, on_chunk=None
) -> CompensationRun:
    """Work a run's pending members to the end and return the run; only one worker claims a
    PENDING run (resume=True takes over a RUNNING one left by a dead worker). `on_chunk(done,
    total)` is called after each committed chunk (the job's heartbeat and progress)."""
    claimable = [CompensationRun.Status.PENDING] + (
        [CompensationRun.Status.RUNNING] if resume else []
    )
    claimed = CompensationRun.objects.filter(pk=run_id, status__in=claimable).update(
        status=CompensationRun.Status.RUNNING, started_at=timezone.now()
    )
    run = CompensationRun.objects.select_related("promotion", "created_by").get(pk=run_id)
    if not claimed:
        return run
    while _process_chunk(run, chunk):
        if on_chunk is not None:
            run.refresh_from_db(fields=["processed", "total"])
            on_chunk(run.processed, run.total)
    CompensationRun.objects.filter(pk=run_id).update(
        status=CompensationRun.Status.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def compensation_job(job) -> dict:
    """The job handler: run (or resume) the run to its end; safe to attempt again because each
    member's coupon commits together with its item row."""
    run = compensation_run_process(
        run_id=int(job.target_id),
        resume=True,
        on_chunk=lambda done, total: job_heartbeat(job, done=done, total=total),
    )
    return {"issued": run.issued, "refused": run.refused, "processed": run.processed}


def compensation_job_failed(job, message: str) -> None:
    """The job ended FAILED or DEAD: show it on the run (its issued coupons stay issued)."""
    CompensationRun.objects.filter(pk=int(job.target_id)).exclude(
        status=CompensationRun.Status.DONE
    ).update(status=CompensationRun.Status.FAILED, error=message[:2000], finished_at=timezone.now())


def _process_chunk(run: CompensationRun, size: int) -> int:
    """Issue the next `size` pending members in one transaction (a savepoint each), with their item
    rows and the run's progress: a coupon and its item row commit together or not at all."""
    with transaction.atomic():
        items = list(
            CompensationItem.objects.select_for_update()
            .filter(run_id=run.pk, status=CompensationItem.Status.PENDING)
            .order_by("line_no")[:size]
        )
        issued = 0
        for item in items:
            try:
                # stored in the catalog's own language (the msgids'), shown in the reader's
                # language by compensation_item_message, whoever's request ran the chunk
                with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                    (coupon,) = coupon_issue(
                        member=item.mbr_no,
                        promotion=run.promotion,
                        qty=1,
                        channel=codes.Channel.CS,
                        user=run.created_by,
                        reason_cd=run.cs_cpn_pay_caus_cd,
                        memo=run.memo,
                        ord_no=run.ord_no,
                    )
            except IssueRefused as exc:
                item.status, item.code, item.message = (
                    CompensationItem.Status.REFUSED,
                    exc.code,
                    exc.message[:300],
                )
            else:
                item.status, item.code, item.message, item.coupon = (
                    CompensationItem.Status.ISSUED,
                    OK,
                    "",
                    coupon,
                )
                issued += 1
        if items:
            CompensationItem.objects.bulk_update(items, ["status", "code", "message", "coupon"])
            CompensationRun.objects.filter(pk=run.pk).update(
                processed=F("processed") + len(items),
                issued=F("issued") + issued,
                refused=F("refused") + (len(items) - issued),
            )
    return len(items)


# A refusal's meaning by its code, for a reader whose language is not the stored message's.
OUTCOME_MESSAGES = {
    errors.UNKNOWN_PROMOTION: gettext_lazy("존재하지 않는 프로모션입니다."),
    errors.UNKNOWN_MEMBER: gettext_lazy("존재하지 않는 회원입니다."),
    errors.NOT_DOWNLOADABLE: gettext_lazy("이 경로로 발급할 수 없는 프로모션입니다."),
    errors.NOT_APPROVED: gettext_lazy("승인된 프로모션이 아닙니다."),
    errors.NOT_IN_PERIOD: gettext_lazy("프로모션 기간이 아닙니다."),
    errors.SITE_NOT_ELIGIBLE: gettext_lazy("회원의 사이트가 발급 대상이 아닙니다."),
    errors.GRADE_NOT_ELIGIBLE: gettext_lazy("회원등급이 발급 대상이 아닙니다."),
    errors.MEDIUM_NOT_ELIGIBLE: gettext_lazy("주문매체가 발급 대상이 아닙니다."),
    errors.SOLD_OUT: gettext_lazy("발급한도가 모두 소진되었습니다."),
    errors.MEMBER_LIMIT: gettext_lazy("회원당 발급한도에 도달했습니다."),
    errors.REASON_REQUIRED: gettext_lazy("발급사유(MK021)가 없거나 알 수 없는 코드입니다."),
    errors.ALREADY_ISSUED: gettext_lazy("같은 자동발급차수로 이미 발급되었습니다."),
    errors.INVALID_QTY: gettext_lazy("발급수량 오류입니다."),
    errors.BUDGET_EXHAUSTED: gettext_lazy("프로모션 예산이 소진되었습니다."),
}


def compensation_item_message(code: str, message: str) -> str:
    """A member's stored outcome message in the reader's language. Messages are stored in the
    catalog's own language (Korean, the msgids'): a Korean reader gets them as stored, with their
    numbers; another reader gets the catalog's translation of the message when it has one, else
    the meaning of its code."""
    if not message:
        return ""
    if (translation.get_language() or "").startswith(settings.LANGUAGE_CODE):
        return message
    translated = _(message)
    if translated != message:
        return translated
    meaning = OUTCOME_MESSAGES.get(code)
    return str(meaning) if meaning is not None else code


CSV_HEADER = [
    "lineNo",
    "mbrNo",
    "result",
    "code",
    "message",
    "cpnIsuNo",
    "promoNo",
    "csCpnPayCausCd",
    "ordNo",
]


def compensation_outcome_csv(run: CompensationRun):
    """The run's per-member outcome as CSV lines (a generator, streamed; UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(CSV_HEADER)
    yield "\ufeff" + flush()
    items = (
        CompensationItem.objects.filter(run=run)
        .order_by("line_no")
        .values_list("line_no", "mbr_no", "status", "code", "message", "coupon_id")
    )
    for n, (line_no, mbr_no, status, code, message, coupon_id) in enumerate(
        items.iterator(chunk_size=2000)
    ):
        writer.writerow(
            [
                line_no,
                mbr_no,
                status,
                code,
                message,
                coupon_id or "",
                run.promotion.promo_no,
                run.cs_cpn_pay_caus_cd,
                run.ord_no,
            ]
        )
        if n % 500 == 499:
            yield flush()
    yield flush()
