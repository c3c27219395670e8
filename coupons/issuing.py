"""The one issuing engine: every path that gives a member a coupon, and revoke / expire.

Limits are enforced by the database, never by a Python read-then-write:
- the total limit by a conditional `UPDATE coupons_promotion SET issu_qty = issu_qty + n WHERE …
  issu_qty + n <= issu_lmt_qty` checked by its row count;
- the per-member limit by a conditional upsert on `MemberPromotionCounter` (unique per promotion
  and member): `INSERT … ON CONFLICT DO UPDATE … WHERE issued_qty + n <= limit`.
Every writer takes the promotion row first and the member counter second, so concurrent issuers
queue on the promotion row and never deadlock. A refused promotion rolls back to its savepoint:
all requested copies or none.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_record

from . import codes, errors, reports, selectors
from .errors import Conflict, DomainError, IssueRefused
from .models import IssueIdempotency, Member, MemberCoupon, Promotion

# Which issue methods (MK007) each channel may issue (the issue rules live in selectors).
CHANNEL_METHODS = selectors.CHANNEL_METHODS

# HTTP status of a refusal, for the API (everything else is 409 Conflict).
REFUSAL_HTTP_STATUS = {
    errors.UNKNOWN_PROMOTION: 404,
    errors.UNKNOWN_MEMBER: 404,
    errors.REASON_REQUIRED: 400,
}

OK = "OK"
BATCH_USER = "BATCH"


def refuse(code: str, message: str) -> IssueRefused:
    return IssueRefused(message, code=code, http_status=REFUSAL_HTTP_STATUS.get(code, 409))


# -- lookups ------------------------------------------------------------------------------------


# Every download reads its promotion by number: the full row, compiled once per connection.
_PROMOTION_FIELDS = tuple(f.attname for f in Promotion._meta.concrete_fields)
_PROMOTION_BY_NO = selectors.CompiledQuery(
    lambda promo_no: (
        Promotion.objects.filter(promo_no=promo_no).order_by().values_list(*_PROMOTION_FIELDS)
    ),
    promo_no=str,
)


def _resolve_promotion(promotion) -> Promotion:
    if isinstance(promotion, Promotion):
        return promotion
    rows = _PROMOTION_BY_NO.rows(promo_no=str(promotion or "").strip())
    found = Promotion.from_db("default", _PROMOTION_FIELDS, rows[0]) if rows else None
    if found is None:
        raise refuse(
            errors.UNKNOWN_PROMOTION, _("존재하지 않는 프로모션입니다: %(no)s") % {"no": promotion}
        )
    return found


def _resolve_member(member) -> Member:
    if isinstance(member, Member):
        return member
    found = Member.objects.filter(pk=str(member or "").strip()).first()
    if found is None:
        raise refuse(errors.UNKNOWN_MEMBER, _("존재하지 않는 회원입니다: %(no)s") % {"no": member})
    return found


def issue_refusal(
    *,
    promotion: Promotion,
    member: Member,
    qty: int,
    channel: str,
    reason_cd: str = "",
    ord_media_cd: str | None = None,
    now: datetime,
) -> IssueRefused | None:
    """The first rule (not needing a lock) that refuses this issue, or None: the channel, then
    the reason, then the issue rules the listings filter by (`selectors.ISSUE_RULES`: approved,
    period, validity, site, grade, medium), checked on the loaded row with no query. Limits are
    not decided here: the conditional updates of `coupon_issue` decide them."""
    if qty < 1:
        return refuse(errors.INVALID_QTY, _("발급수량은 1 이상이어야 합니다."))
    e = selectors.Eligibility(
        now=now, member=member, ord_media_cd=ord_media_cd, channels=(channel,), for_issue=True
    )
    failed = selectors.first_refusal(promotion, e, (selectors.CHANNEL_RULE,))
    if failed is None:
        if reason_cd and reason_cd not in codes.CsReason.values:
            return refuse(
                errors.REASON_REQUIRED,
                _("알 수 없는 발급사유(MK021) 코드입니다: %(cd)s") % {"cd": reason_cd},
            )
        if promotion.cpn_issu_main_cd == codes.Issuer.CS and not reason_cd:
            return refuse(errors.REASON_REQUIRED, _("CS보상쿠폰은 발급사유(MK021)가 필요합니다."))
        failed = selectors.first_refusal(promotion, e, selectors.TERM_RULES)
    if failed is not None:
        rule, message = failed
        return refuse(rule.code, message)
    if qty > promotion.mbr_issu_lmt_qty:
        return refuse(
            errors.MEMBER_LIMIT,
            _("회원당 발급한도(%(n)d장)를 넘습니다.") % {"n": promotion.mbr_issu_lmt_qty},
        )
    if promotion.issu_lmt_qty is not None and qty > promotion.issu_lmt_qty:
        return refuse(errors.SOLD_OUT, _("발급한도를 넘는 수량입니다."))
    return None


# -- counters (the only place limits are decided) -----------------------------------------------


def _reserve_total(promotion: Promotion, qty: int, now: datetime) -> None:
    """Move the promotion's issued counter by qty, or refuse; status and period are re-checked in
    the same statement so a concurrent suspend cannot slip through."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coupons_promotion SET issu_qty = issu_qty + %s "
            "WHERE id = %s AND promo_stat_cd = %s AND promo_str_dtm <= %s AND promo_end_dtm > %s "
            "AND (issu_lmt_qty IS NULL OR issu_qty + %s <= issu_lmt_qty)",
            [qty, promotion.pk, codes.PromoStatus.APPROVED, at, at, qty],
        )
        if cursor.rowcount == 1:
            return
    fresh = Promotion.objects.filter(pk=promotion.pk).first()
    if fresh is None:  # deleted since it was read (a draft removed, a test's teardown)
        raise refuse(errors.UNKNOWN_PROMOTION, _("존재하지 않는 프로모션입니다."))
    if fresh.promo_stat_cd != codes.PromoStatus.APPROVED:
        raise refuse(
            errors.NOT_APPROVED,
            _("승인된 프로모션이 아닙니다(상태: %(status)s).")
            % {"status": fresh.get_promo_stat_cd_display()},
        )
    if not fresh.in_period(now):
        raise refuse(errors.NOT_IN_PERIOD, _("프로모션 기간이 아닙니다."))
    raise refuse(
        errors.SOLD_OUT,
        _("발급한도가 모두 소진되었습니다(남은 수량 %(left)d장).")
        % {"left": fresh.remaining_qty or 0},
    )


def _reserve_member(promotion: Promotion, member_id: str, qty: int) -> int:
    """Move the member's counter by qty within the per-member limit; returns the new count.

    A missing counter row starts from the member's non-revoked copies: set-based auto-issue
    rounds insert copies without counter rows (they would double the cost of a million-row
    round) and keep only existing rows up to date. Both run under the promotion row lock
    (`_reserve_total` came first), so the count they see is settled.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO coupons_memberpromotioncounter (promotion_id, member_id, issued_qty) "
            "SELECT %s, %s, held.n + %s FROM (SELECT COUNT(*) AS n FROM coupons_membercoupon "
            "  WHERE member_id = %s AND promotion_id = %s AND status <> %s) held "
            "WHERE held.n + %s <= %s "
            "ON CONFLICT (promotion_id, member_id) DO UPDATE "
            "SET issued_qty = coupons_memberpromotioncounter.issued_qty + %s "
            "WHERE coupons_memberpromotioncounter.issued_qty + %s <= %s "
            "RETURNING issued_qty",
            [
                promotion.pk,
                member_id,
                qty,
                member_id,
                promotion.pk,
                codes.CouponStatus.REVOKED,
                qty,
                promotion.mbr_issu_lmt_qty,
                qty,
                qty,
                promotion.mbr_issu_lmt_qty,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise refuse(
            errors.MEMBER_LIMIT,
            _("회원당 발급한도(%(n)d장)에 도달했습니다.") % {"n": promotion.mbr_issu_lmt_qty},
        )
    return row[0]


def _release(promotion_id: int, member_id: str, qty: int) -> None:
    """Give qty copies back to the promotion's remaining quantity and the member's allowance."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coupons_promotion SET issu_qty = issu_qty - %s WHERE id = %s AND issu_qty >= %s",
            [qty, promotion_id, qty],
        )
        cursor.execute(
            "UPDATE coupons_memberpromotioncounter SET issued_qty = issued_qty - %s "
            "WHERE promotion_id = %s AND member_id = %s AND issued_qty >= %s",
            [qty, promotion_id, member_id, qty],
        )


# -- coupon_issue -------------------------------------------------------------------------------


def coupon_issue(
    *,
    member,
    promotion,
    qty: int = 1,
    channel: str,
    user=None,
    system_user_no: str = "",
    reason_cd: str = "",
    memo: str = "",
    ord_no: str = "",
    auto_issu_odr: str = "",
    ord_media_cd: str | None = None,
    now: datetime | None = None,
) -> list[MemberCoupon]:
    """Issue qty copies to the member, all or none; returns the new MemberCoupons or raises
    IssueRefused (SPEC §4 codes). With auto_issu_odr, a repeat of the round raises ALREADY_ISSUED
    and issues nothing."""
    now = now or timezone.now()
    promotion = _resolve_promotion(promotion)
    member = _resolve_member(member)
    refusal = issue_refusal(
        promotion=promotion,
        member=member,
        qty=qty,
        channel=channel,
        reason_cd=reason_cd,
        ord_media_cd=ord_media_cd,
        now=now,
    )
    if refusal:
        raise refusal
    auto_issu_odr = (auto_issu_odr or "").strip()
    if not system_user_no:
        system_user_no = BATCH_USER if user is None else str(user.get_username())
    with transaction.atomic():
        if (
            auto_issu_odr
            and MemberCoupon.objects.filter(
                promotion_id=promotion.pk, member_id=member.pk, auto_issu_odr=auto_issu_odr
            ).exists()
        ):
            raise _already_issued(auto_issu_odr)
        _reserve_total(promotion, qty, now)
        held = _reserve_member(promotion, member.pk, qty)
        valid_from, valid_until = promotion.validity_for(now)
        # A round numbers its copies 1..qty (the unique key of the round); otherwise the sequence is
        # the member's running count of this promotion.
        first_seq = 1 if auto_issu_odr else held - qty + 1
        coupons = [
            MemberCoupon(
                member_id=member.pk,
                promotion_id=promotion.pk,
                seq=first_seq + i,
                issued_at=now,
                valid_from=valid_from,
                valid_until=valid_until,
                status=codes.CouponStatus.ISSUED,
                channel=channel,
                cs_cpn_pay_caus_cd=reason_cd or "",
                system_user_no=system_user_no[:50],
                auto_issu_odr=auto_issu_odr,
                memo=(memo or "")[:500],
                ord_no=(ord_no or "")[:30],
                issued_by=user if user is not None and user.is_authenticated else None,
            )
            for i in range(qty)
        ]
        try:
            with transaction.atomic():
                MemberCoupon.objects.bulk_create(coupons)
        except IntegrityError as exc:  # a concurrent request of the same round won the unique key
            raise _already_issued(auto_issu_odr) from exc
        reports.rollup_issued(
            promotion_id=promotion.pk,
            channel=channel,
            reason_cd=reason_cd or "",
            issued_at=now,
            qty=qty,
        )
    for c in coupons:
        c.promotion = promotion
        c.member = member
    return coupons


def _already_issued(odr: str) -> IssueRefused:
    return refuse(
        errors.ALREADY_ISSUED, _("이미 같은 자동발급차수(%(odr)s)로 발급되었습니다.") % {"odr": odr}
    )


# -- request-level downloads (cpnDown / cpnDownBo) -----------------------------------------------


@dataclass
class PromoOutcome:
    """What happened to one promoNo of a download request."""

    promo_no: str
    requested_qty: int
    issued_qty: int = 0
    code: str = OK
    message: str = ""
    cpn_isu_nos: list[int] = field(default_factory=list)
    coupons: list[MemberCoupon] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.code == OK

    @property
    def http_status(self) -> int:
        return 200 if self.ok else REFUSAL_HTTP_STATUS.get(self.code, 409)

    def as_dict(self) -> dict:
        return {
            "promoNo": self.promo_no,
            "issuedQty": self.issued_qty,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class DownloadOutcome:
    """The outcome of one download request; `as_dict()` is the cpnDown / cpnDownBo body."""

    results: list[PromoOutcome]
    replayed: bool = False  # True when an Idempotency-Key returned a stored first outcome

    @property
    def issued_cnt(self) -> int:
        return sum(r.issued_qty for r in self.results)

    @property
    def first_refusal(self) -> PromoOutcome | None:
        return next((r for r in self.results if not r.ok), None)

    @property
    def http_status(self) -> int:
        """200 when anything was issued, otherwise the first refusal's status."""
        if self.issued_cnt or not self.results:
            return 200
        return self.first_refusal.http_status

    def as_dict(self) -> dict:
        return {"issuedCnt": self.issued_cnt, "results": [r.as_dict() for r in self.results]}

    def _stored(self) -> dict:
        body = self.as_dict()
        body["cpnIsuNos"] = [r.cpn_isu_nos for r in self.results]
        body["requestedQty"] = [r.requested_qty for r in self.results]
        return body

    @classmethod
    def _from_stored(cls, body: dict) -> DownloadOutcome:
        results = [
            PromoOutcome(
                promo_no=r["promoNo"],
                requested_qty=req,
                issued_qty=r["issuedQty"],
                code=r["code"],
                message=r["message"],
                cpn_isu_nos=list(nos),
            )
            for r, nos, req in zip(
                body["results"],
                body.get("cpnIsuNos", []),
                body.get("requestedQty", []),
                strict=False,
            )
        ]
        return cls(results=results, replayed=True)


@dataclass
class _Request:
    promo_no: str  # "" until a dcCpnCd is resolved
    qty: int
    promotion: Promotion | None = None
    refusal: IssueRefused | None = None


def _group_promo_nos(promo_nos) -> list[_Request]:
    counts: dict[str, int] = {}
    for raw in promo_nos or []:
        no = str(raw or "").strip()
        if no:
            counts[no] = counts.get(no, 0) + 1
    return [_Request(promo_no=no, qty=n) for no, n in counts.items()]


def _request_hash(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _with_idempotency(*, scope: str, key: str | None, payload: dict, run) -> DownloadOutcome:
    """Run `run()` once per (scope, key): the first outcome is stored in the same transaction and
    every later request with the key gets it back, issuing nothing. Concurrent requests with the
    same key wait on the unique index until the first commits."""
    if not key:
        return run()
    key = str(key).strip()[:100]
    digest = _request_hash(payload)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO coupons_issueidempotency (scope, "key", request_hash, response, created_at) '
                'VALUES (%s, %s, %s, %s, %s) ON CONFLICT (scope, "key") DO NOTHING',
                [
                    scope,
                    key,
                    digest,
                    "{}",
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                ],
            )
            first = cursor.rowcount == 1
        if first:
            outcome = run()
            IssueIdempotency.objects.filter(scope=scope, key=key).update(response=outcome._stored())
            return outcome
        stored = IssueIdempotency.objects.get(scope=scope, key=key)
    if stored.request_hash != digest:
        raise Conflict(
            _("같은 Idempotency-Key로 다른 요청을 보낼 수 없습니다."),
            code="IDEMPOTENCY_KEY_REUSED",
            fields={"Idempotency-Key": [_("이미 다른 요청에 쓰인 키입니다.")]},
        )
    return DownloadOutcome._from_stored(stored.response)


def _issue_requests(requests: list[_Request], issue) -> DownloadOutcome:
    """Issue each request in its own savepoint, in promoNo order (a fixed lock order between
    concurrent requests), reporting in request order."""
    outcomes = {id(r): PromoOutcome(promo_no=r.promo_no, requested_qty=r.qty) for r in requests}
    for req in sorted(requests, key=lambda r: (r.promo_no, id(r))):
        out = outcomes[id(req)]
        try:
            if req.refusal:
                raise req.refusal
            with transaction.atomic():
                coupons = issue(req)
        except IssueRefused as exc:
            out.code, out.message = exc.code, exc.message
            continue
        out.promo_no = req.promo_no
        out.issued_qty = len(coupons)
        out.coupons = coupons
        out.cpn_isu_nos = [c.pk for c in coupons]
        out.message = _("%(n)d장 발급되었습니다.") % {"n": len(coupons)}
    return DownloadOutcome(results=[outcomes[id(r)] for r in requests])


def _code_request(dc_cpn_cd: str | None) -> _Request | None:
    code = (dc_cpn_cd or "").strip().upper()
    if not code:
        return None
    promotion = Promotion.objects.filter(dc_cpn_cd=code).first()
    if promotion is None:
        return _Request(
            promo_no="",
            qty=1,
            refusal=refuse(
                errors.UNKNOWN_PROMOTION,
                _("존재하지 않는 할인쿠폰코드입니다: %(cd)s") % {"cd": code},
            ),
        )
    return _Request(promo_no=promotion.promo_no, qty=1, promotion=promotion)


def _nothing_requested():
    return DomainError(
        _("promoNoList 또는 dcCpnCd가 필요합니다."),
        code="NOTHING_REQUESTED",
        http_status=400,
        fields={"promoNoList": [_("발급할 프로모션번호나 할인쿠폰코드를 입력하세요.")]},
    )


def _run_requests(
    requests: list[_Request],
    *,
    dc_cpn_cd: str | None,
    member,
    issue,
    resolve_promotions: bool = False,
) -> DownloadOutcome:
    """One download request, FO or BO: add the dcCpnCd request, resolve the member (and, when
    asked, each promotion) — an unknown one refuses every request it concerns — then issue each
    with `issue(request, member, by_code)`."""
    reqs = list(requests)
    code_req = _code_request(dc_cpn_cd)
    if code_req:
        reqs.append(code_req)
    try:
        mbr = _resolve_member(member)
    except IssueRefused as exc:
        for r in reqs:
            r.refusal = r.refusal or exc
        mbr = None
    if resolve_promotions:
        for r in reqs:
            if r.refusal or r.promotion:
                continue
            try:
                r.promotion = _resolve_promotion(r.promo_no)
            except IssueRefused as exc:
                r.refusal = exc
    return _issue_requests(reqs, lambda req: issue(req, mbr, req is code_req))


def coupons_download(
    *,
    member,
    promo_nos: list[str] | None = None,
    dc_cpn_cd: str | None = None,
    ord_media_cd: str | None = None,
    idempotency_key: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> DownloadOutcome:
    """A member's FO download (cpnDown): per promoNo its copies or a refusal code; returns a
    DownloadOutcome (the stored first one again for a repeated Idempotency-Key). Raises
    DomainError NOTHING_REQUESTED, or Conflict IDEMPOTENCY_KEY_REUSED for a key reused with
    another body."""
    mbr_no = member.pk if isinstance(member, Member) else str(member or "").strip()
    requests = _group_promo_nos(promo_nos)
    if not requests and not (dc_cpn_cd or "").strip():
        raise _nothing_requested()
    payload = {
        "promoNoList": sorted(promo_nos or []),
        "dcCpnCd": dc_cpn_cd or "",
        "ordMediaCd": ord_media_cd,
    }

    def issue(req: _Request, mbr: Member, by_code: bool):
        ch = channel or (codes.Channel.CODE if by_code else codes.Channel.DOWNLOAD)
        return coupon_issue(
            member=mbr,
            promotion=req.promotion or req.promo_no,
            qty=req.qty,
            channel=ch,
            system_user_no=mbr_no,
            ord_media_cd=ord_media_cd,
            now=now,
        )

    def run() -> DownloadOutcome:
        return _run_requests(requests, dc_cpn_cd=dc_cpn_cd, member=member, issue=issue)

    return _with_idempotency(scope=f"mbr:{mbr_no}", key=idempotency_key, payload=payload, run=run)


def coupons_download_bo(
    *,
    mbr_no: str,
    promo_nos: list[str] | None,
    system_user_no: str,
    auto_issu_odr: str = "",
    cs_reason_cd: str | None = None,
    dc_cpn_cd: str | None = None,
    user=None,
    idempotency_key: str | None = None,
    ord_media_cd: str | None = None,
    now: datetime | None = None,
) -> DownloadOutcome:
    """BO / batch issue (cpnDownBo); returns a DownloadOutcome. Method-02 promotions issue
    autoIssuQty copies (repeats of the promoNo do not multiply them), others one per repeat; the
    channel is CS for issuer-20 promotions, BATCH for method 02 when systemUserNo is BATCH, BO
    otherwise. Re-sending an autoIssuOdr already issued to the member answers ALREADY_ISSUED and
    issues nothing. Raises like coupons_download."""
    mbr_no = str(mbr_no or "").strip()
    requests = _group_promo_nos(promo_nos)
    if not requests and not (dc_cpn_cd or "").strip():
        raise _nothing_requested()
    payload = {
        "promoNoList": sorted(promo_nos or []),
        "mbrNo": mbr_no,
        "systemUserNo": system_user_no,
        "autoIssuOdr": auto_issu_odr,
        "csCpnPayCausCd": cs_reason_cd or "",
        "dcCpnCd": dc_cpn_cd or "",
    }

    def issue(req: _Request, mbr: Member, by_code: bool):
        promo = req.promotion
        qty = req.qty
        if promo.cpn_issu_main_cd == codes.Issuer.CS:
            ch = codes.Channel.CS
        elif promo.cpn_issu_way_cd == codes.IssueMethod.AUTO:
            ch = codes.Channel.BATCH if system_user_no == BATCH_USER else codes.Channel.BO
            qty = promo.auto_issu_qty or 1
        else:
            ch = codes.Channel.CODE if by_code else codes.Channel.BO
        return coupon_issue(
            member=mbr,
            promotion=promo,
            qty=qty,
            channel=ch,
            user=user,
            system_user_no=system_user_no or "",
            reason_cd=cs_reason_cd or "",
            auto_issu_odr=auto_issu_odr or "",
            ord_media_cd=ord_media_cd,
            now=now,
        )

    def run() -> DownloadOutcome:
        # The channel and quantity depend on the promotion: resolve every promoNo first.
        return _run_requests(
            requests, dc_cpn_cd=dc_cpn_cd, member=mbr_no, issue=issue, resolve_promotions=True
        )

    caller = getattr(user, "pk", None) or system_user_no
    return _with_idempotency(scope=f"bo:{caller}", key=idempotency_key, payload=payload, run=run)


# -- revoke / expire ---------------------------------------------------------------------------


def coupon_revoke(*, user, coupon, reason: str, now: datetime | None = None) -> MemberCoupon:
    """Revoke an ISSUED copy, recording who, when and why; the copy returns to the promotion's
    remaining quantity and the member's allowance. Returns the coupon; raises DomainError
    REASON_REQUIRED, NotFound, or Conflict ALREADY_REVOKED / ALREADY_USED / ALREADY_EXPIRED."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("회수 사유를 입력하세요."),
            code=errors.REASON_REQUIRED,
            fields={"reason": [_("회수 사유는 필수입니다.")]},
        )
    pk = coupon.pk if isinstance(coupon, MemberCoupon) else coupon
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            MemberCoupon.objects.filter(pk=pk)
            .values("promotion_id", "member_id", "status", "channel", "cs_cpn_pay_caus_cd")
            .first()
        )
        if current is None:
            raise errors.NotFound(
                _("존재하지 않는 회원쿠폰입니다: %(no)s") % {"no": pk}, code="UNKNOWN_COUPON"
            )
        # Lock order as for issuing: the promotion row first.
        Promotion.objects.filter(pk=current["promotion_id"]).select_for_update().values_list(
            "pk"
        ).first()
        changed = MemberCoupon.objects.filter(pk=pk, status=codes.CouponStatus.ISSUED).update(
            status=codes.CouponStatus.REVOKED,
            revoked_by=user if user is not None else None,
            revoked_at=now,
            revoke_reason=reason[:500],
        )
        if changed != 1:
            status = MemberCoupon.objects.filter(pk=pk).values_list("status", flat=True).first()
            code = {
                codes.CouponStatus.REVOKED: "ALREADY_REVOKED",
                codes.CouponStatus.USED: "ALREADY_USED",
                codes.CouponStatus.EXPIRED: "ALREADY_EXPIRED",
            }.get(status, "NOT_REVOCABLE")
            raise Conflict(
                _("%(status)s 상태의 쿠폰은 회수할 수 없습니다.")
                % {"status": codes.CouponStatus(status).label},
                code=code,
            )
        _release(current["promotion_id"], current["member_id"], 1)
        reports.rollup_revoked(
            promotion_id=current["promotion_id"],
            channel=current["channel"],
            reason_cd=current["cs_cpn_pay_caus_cd"],
            revoked_at=now,
        )
        audit_record(
            action="revoke",
            model=MemberCoupon,
            object_id=pk,
            object_repr=str(pk),
            user=user,
            changes={"status": [current["status"], codes.CouponStatus.REVOKED]},
            extra={"reason": reason[:500], "member": current["member_id"]},
        )
    return MemberCoupon.objects.select_related("promotion", "revoked_by").get(pk=pk)


def coupons_expire(*, now: datetime | None = None) -> int:
    """Mark every ISSUED copy past its validity EXPIRED in one set-based UPDATE; returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = _expire_counted(now)
        if expired:  # one audit row for the whole set, never one per coupon
            audit_record(
                action="expire",
                model=MemberCoupon,
                object_id="*",
                object_repr=_("유효기간 만료 %(n)s건") % {"n": f"{expired:,}"},
                changes={"status": [codes.CouponStatus.ISSUED, codes.CouponStatus.EXPIRED]},
                extra={"count": expired, "valid_until_lte": now},
            )
    return expired


def _expire_counted(now: datetime) -> int:
    """The expiring UPDATE and its rollup increments (expired, on each copy's valid_until day),
    both set-based; returns how many copies expired."""
    params = [
        codes.CouponStatus.EXPIRED,
        codes.CouponStatus.ISSUED,
        connection.ops.adapt_datetimefield_value(now),
    ]
    group = (
        f"SELECT {reports.day_sql('valid_until')} AS day, promotion_id, channel, "
        f"cs_cpn_pay_caus_cd AS reason_cd, {reports.delta_select_list(expired='COUNT(*)')} "
        "FROM {source} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the UPDATE's returned rows feed the grouped upsert.
            cursor.execute(
                "WITH x AS (UPDATE coupons_membercoupon SET status = %s "
                "WHERE status = %s AND valid_until <= %s "
                "RETURNING promotion_id, channel, cs_cpn_pay_caus_cd, valid_until), "
                f"s AS ({reports.upsert_select_sql(group.format(source='x'), adds=('expired',))}) "
                "SELECT COUNT(*) FROM x",
                params,
            )
            return cursor.fetchone()[0]
        # SQLite: the grouped upsert of the copies about to expire, then the same UPDATE, in one
        # transaction; SQLite lets no other writer in between.
        cursor.execute(
            reports.upsert_select_sql(
                group.format(source="coupons_membercoupon WHERE status = %s AND valid_until <= %s"),
                adds=("expired",),
            ),
            params[1:],
        )
        cursor.execute(
            "UPDATE coupons_membercoupon SET status = %s WHERE status = %s AND valid_until <= %s",
            params,
        )
        return cursor.rowcount


# -- auto-issue (issue_auto_coupons) -------------------------------------------------------------

AUTO_ISSUE_RULES = {
    "1001": "joined_at",  # sign-up: joined on the date
    "2101": "birthday",
    "2201": "anniversary",
}
AUTO_ISSUE_CHUNK = 50_000
ANALYZE_AFTER = 50_000  # copies issued by one run
_TMP = "coupons_auto_issue_chunk"


@dataclass
class AutoIssueResult:
    """One promotion's share of an auto-issue run."""

    promo_no: str
    target_date: date | None = None
    considered: int = 0  # members matching the type's date rule
    issued_members: int = 0
    issued_coupons: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, code: str, n: int) -> None:
        if n:
            self.skipped[code] = self.skipped.get(code, 0) + n


@dataclass
class AutoIssueSummary:
    """What `auto_issue_run` did; `line()` is the command's summary line."""

    type_cd: str
    round: str
    date: date
    dry_run: bool
    results: list[AutoIssueResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def considered(self) -> int:
        return sum(r.considered for r in self.results)

    @property
    def issued_members(self) -> int:
        return sum(r.issued_members for r in self.results)

    @property
    def issued_coupons(self) -> int:
        return sum(r.issued_coupons for r in self.results)

    @property
    def skipped(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.results:
            for code, n in r.skipped.items():
                total[code] = total.get(code, 0) + n
        return dict(sorted(total.items()))

    def line(self) -> str:
        skipped = ", ".join(f"{code}={n}" for code, n in self.skipped.items()) or "none"
        return (
            f"auto-issue type={self.type_cd} round={self.round} date={self.date.isoformat()}"
            f"{' DRY-RUN' if self.dry_run else ''}: promotions={len(self.results)} "
            f"members considered={self.considered} issued={self.issued_members} "
            f"coupons={self.issued_coupons} skipped: {skipped} seconds={self.seconds:.1f}"
        )


def _member_rule_q(type_cd: str, target: date) -> Q:
    column = AUTO_ISSUE_RULES.get(type_cd)
    if column is None:
        raise DomainError(
            _(
                "자동발급유형 %(cd)s의 대상 회원 규칙이 없습니다(지원: %(known)s). 이 유형은 cpnDownBo로 회원별로 발급하세요."
            )
            % {"cd": type_cd, "known": ", ".join(sorted(AUTO_ISSUE_RULES))},
            code="AUTO_ISSUE_TYPE_UNSUPPORTED",
        )
    if column == "joined_at":
        tz = timezone.get_current_timezone()
        start = datetime.combine(target, datetime.min.time(), tzinfo=tz)
        return Q(joined_at__gte=start, joined_at__lt=start + timedelta(days=1))
    q = Q(**{f"{column}__month": target.month, f"{column}__day": target.day})
    if target.month == 2 and target.day == 28 and not calendar.isleap(target.year):
        q |= Q(
            **{f"{column}__month": 2, f"{column}__day": 29}
        )  # leap-day members celebrate on the 28th
    return q


def _target_date(promotion: Promotion, run_date: date) -> date:
    if (
        promotion.auto_issu_potm_cd == codes.AutoIssueTiming.BEFORE
        and promotion.auto_issu_typ_cd != "1001"
    ):
        return run_date + timedelta(days=promotion.anvy_pre_isu_dds or 0)
    return run_date


def _prepare_tmp(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TMP} (member_id varchar(20) PRIMARY KEY, "
            "held integer NOT NULL) ON COMMIT DELETE ROWS"
        )
    else:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TMP} (member_id varchar(20) PRIMARY KEY, "
            "held integer NOT NULL)"
        )
    cursor.execute(f"DELETE FROM {_TMP}")


def auto_issue_run(
    *,
    type_cd: str,
    round: str,
    run_date: date | None = None,
    dry_run: bool = False,
    chunk_size: int = AUTO_ISSUE_CHUNK,
    progress=None,
    now: datetime | None = None,
) -> AutoIssueSummary:
    """Issue autoIssuQty copies of every approved, in-period method-02 promotion of the MK008 type to
    each member its rule selects (birthday / anniversary within anvyPreIsuDds, sign-up date, grade,
    site) with set-based SQL in member-range chunks; a round already issued to a member is skipped.
    Returns the summary; raises DomainError for a type without a member rule or a bad round."""
    started = time.monotonic()
    now = now or timezone.now()
    run_date = run_date or timezone.localdate(now)
    round = (round or "").strip()
    if not round or len(round) > 20:
        raise DomainError(_("자동발급차수는 1~20자여야 합니다."), code="INVALID_ROUND")
    _member_rule_q(type_cd, run_date)  # refuses an unsupported type even when no promotion exists
    summary = AutoIssueSummary(type_cd=type_cd, round=round, date=run_date, dry_run=dry_run)
    promotions = list(
        Promotion.objects.filter(
            auto_issu_typ_cd=type_cd,
            cpn_issu_way_cd=codes.IssueMethod.AUTO,
            promo_stat_cd=codes.PromoStatus.APPROVED,
            promo_str_dtm__lte=now,
            promo_end_dtm__gt=now,
        ).order_by("promo_no")
    )
    for promotion in promotions:
        result = _auto_issue_promotion(
            promotion,
            round=round,
            run_date=run_date,
            dry_run=dry_run,
            chunk_size=chunk_size,
            progress=progress,
            now=now,
        )
        summary.results.append(result)
        if not dry_run:  # one audit row per promotion and round, with its counts
            audit_record(
                action="auto_issue",
                obj=promotion,
                extra={
                    "round": round,
                    "date": run_date,
                    "considered": result.considered,
                    "issued_members": result.issued_members,
                    "issued_coupons": result.issued_coupons,
                    "skipped": result.skipped,
                },
            )
    if connection.vendor == "postgresql" and summary.issued_coupons >= ANALYZE_AFTER:
        # A big round changes the table faster than autovacuum re-plans it; the next round's
        # per-member lookups need fresh statistics to stay index probes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coupons_membercoupon")
    summary.seconds = time.monotonic() - started
    return summary


def _auto_issue_promotion(
    promotion: Promotion,
    *,
    round: str,
    run_date: date,
    dry_run: bool,
    chunk_size: int,
    progress,
    now: datetime,
) -> AutoIssueResult:
    target = _target_date(promotion, run_date)
    result = AutoIssueResult(promo_no=promotion.promo_no, target_date=target)
    qty = promotion.auto_issu_qty or 1
    rule_qs = Member.objects.filter(_member_rule_q(promotion.auto_issu_typ_cd, target))
    grades = [g for g in codes.Grade.values if promotion.allows_grade(g)]
    eligible_q = Q(grade_cd__in=grades)
    if promotion.site_nos:
        eligible_q &= Q(site_no__in=promotion.site_nos)
    valid_from, valid_until = promotion.validity_for(now)
    total = rule_qs.count() if progress else 0
    if progress:
        progress(promotion.promo_no, 0, total)
    simulated_issued = None  # dry-run: the counter as it would have moved
    lo = None
    done = 0
    while True:
        # Chunks are ranges of member numbers, walked on the primary key: never all members at once.
        in_range = Member.objects.all() if lo is None else Member.objects.filter(mbr_no__gt=lo)
        hi = next(
            iter(
                in_range.order_by("mbr_no").values_list("mbr_no", flat=True)[
                    chunk_size - 1 : chunk_size
                ]
            ),
            None,
        )
        bounds = Q() if lo is None else Q(mbr_no__gt=lo)
        if hi is not None:
            bounds &= Q(mbr_no__lte=hi)
        counts = rule_qs.filter(bounds).aggregate(
            considered=Count("pk"), eligible=Count("pk", filter=eligible_q)
        )
        considered, eligible = counts["considered"], counts["eligible"]
        if considered:
            result.considered += considered
            result.skip(errors.GRADE_NOT_ELIGIBLE, considered - eligible)
        if eligible:
            stop = _auto_issue_chunk(
                promotion,
                result,
                lo=lo,
                hi=hi,
                eligible=eligible,
                eligible_qs=rule_qs.filter(bounds & eligible_q),
                qty=qty,
                round=round,
                now=now,
                valid_from=valid_from,
                valid_until=valid_until,
                dry_run=dry_run,
                simulated=simulated_issued,
            )
            if dry_run:
                simulated_issued = stop[1]
            if stop[0]:
                rest = rule_qs.filter(mbr_no__gt=hi).count() if hi is not None else 0
                result.considered += rest
                result.skip(stop[0], rest)
                hi = None
        done += considered
        if progress:
            progress(promotion.promo_no, done, max(total, done))
        if hi is None:
            break
        lo = hi
    return result


def _range_sql(column: str, lo, hi) -> tuple[str, list]:
    sql, params = "", []
    if lo is not None:
        sql += f" AND {column} > %s"
        params.append(lo)
    if hi is not None:
        sql += f" AND {column} <= %s"
        params.append(hi)
    return sql, params


def _auto_issue_chunk(
    promotion,
    result: AutoIssueResult,
    *,
    lo,
    hi,
    eligible: int,
    eligible_qs,
    qty: int,
    round: str,
    now,
    valid_from,
    valid_until,
    dry_run: bool,
    simulated,
):
    """One member range in one transaction; returns (stop code or None, simulated issu_qty).

    Set-based and lean, because a round may reach every member: the eligible members of the range
    go into a temporary table with what each already holds, then one INSERT … SELECT issues the
    coupons in member order. Counter rows are only updated where they exist (see
    `_reserve_member`); the subqueries are bounded to the range so they scan only its part of
    the (promotion, member) indexes.
    """
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        # Take the promotion row first (the lock order of every issuer): from here on nobody else
        # issues or revokes this promotion until the chunk commits.
        cursor.execute(
            "UPDATE coupons_promotion SET issu_qty = issu_qty WHERE id = %s AND promo_stat_cd = %s "
            "AND promo_str_dtm <= %s AND promo_end_dtm > %s",
            [promotion.pk, codes.PromoStatus.APPROVED, at(now), at(now)],
        )
        if cursor.rowcount != 1:
            result.skip(errors.NOT_APPROVED, eligible)
            return errors.NOT_APPROVED, simulated
        cursor.execute(
            "SELECT issu_qty, issu_lmt_qty FROM coupons_promotion WHERE id = %s", [promotion.pk]
        )
        issued_before, limit = cursor.fetchone()
        if simulated is not None:
            issued_before = simulated
        members_sql, members_params = (
            eligible_qs.order_by("mbr_no").values_list("mbr_no").query.sql_with_params()
        )
        c_range, c_params = _range_sql("member_id", lo, hi)
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM coupons_membercoupon WHERE promotion_id = %s AND auto_issu_odr <> ''"
            f"{c_range}), EXISTS (SELECT 1 FROM coupons_memberpromotioncounter WHERE promotion_id = %s{c_range})",
            [promotion.pk, *c_params, promotion.pk, *c_params],
        )
        rounds_in_range, counters_in_range = cursor.fetchone()
        room = None if limit is None else max(limit - issued_before, 0) // qty
        insert_coupons = (
            "INSERT INTO coupons_membercoupon (member_id, promotion_id, seq, issued_at, valid_from, valid_until, "
            "status, channel, cs_cpn_pay_caus_cd, system_user_no, auto_issu_odr, memo, ord_no, issued_by_id, "
            "revoked_by_id, revoked_at, revoke_reason) "
            "SELECT t.member_id, %s, s.seq, %s, %s, %s, %s, %s, '', %s, %s, '', '', NULL, NULL, NULL, '' "
            "FROM ({source}) t CROSS JOIN ({seqs}) s ORDER BY t.member_id, s.seq"
        )
        seqs = " UNION ALL ".join(f"SELECT {n} AS seq" for n in range(1, qty + 1))
        coupon_params = [
            promotion.pk,
            at(now),
            at(valid_from),
            at(valid_until),
            codes.CouponStatus.ISSUED,
            codes.Channel.BATCH,
            BATCH_USER,
            round,
        ]
        if not rounds_in_range and not counters_in_range and qty <= promotion.mbr_issu_lmt_qty:
            # The common case, a first round over this range: nobody here holds a copy of this
            # promotion from a round, nor any counted copy, so every eligible member gets one:
            # one INSERT … SELECT straight from the members.
            fresh = eligible
            allowed = fresh if room is None else min(fresh, room)
            if allowed < fresh:
                result.skip(errors.SOLD_OUT, fresh - allowed)
            if allowed and not dry_run:
                source = f"SELECT e.mbr_no AS member_id FROM ({members_sql} LIMIT %s) e"
                # The SELECT list's parameters come first, then the members subquery's.
                cursor.execute(
                    insert_coupons.format(source=source, seqs=seqs),
                    [*coupon_params, *members_params, allowed],
                )
        else:
            _prepare_tmp(cursor)
            x_range, x_params = _range_sql("x.member_id", lo, hi)
            cursor.execute(
                f"INSERT INTO {_TMP} (member_id, held) "
                "SELECT m.mbr_no, COALESCE("
                "  (SELECT c.issued_qty FROM coupons_memberpromotioncounter c "
                "   WHERE c.promotion_id = %s AND c.member_id = m.mbr_no), "
                "  (SELECT COUNT(*) FROM coupons_membercoupon r WHERE r.promotion_id = %s "
                "   AND r.member_id = m.mbr_no AND r.auto_issu_odr <> '' AND r.status <> %s), 0) "
                f"FROM ({members_sql}) m "
                "WHERE NOT EXISTS (SELECT 1 FROM coupons_membercoupon x WHERE x.promotion_id = %s "
                f"  AND x.member_id = m.mbr_no AND x.auto_issu_odr = %s{x_range})",
                [
                    promotion.pk,
                    promotion.pk,
                    codes.CouponStatus.REVOKED,
                    *members_params,
                    promotion.pk,
                    round,
                    *x_params,
                ],
            )
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN held + %s > %s THEN 1 ELSE 0 END), 0) "
                f"FROM {_TMP}",
                [qty, promotion.mbr_issu_lmt_qty],
            )
            fresh, over = cursor.fetchone()
            result.skip(errors.ALREADY_ISSUED, eligible - fresh)
            result.skip(errors.MEMBER_LIMIT, over)
            if over:
                cursor.execute(
                    f"DELETE FROM {_TMP} WHERE held + %s > %s", [qty, promotion.mbr_issu_lmt_qty]
                )
            fresh -= over
            allowed = fresh if room is None else min(fresh, room)
            if allowed < fresh:
                result.skip(errors.SOLD_OUT, fresh - allowed)
                cursor.execute(
                    f"DELETE FROM {_TMP} WHERE member_id NOT IN "
                    f"(SELECT member_id FROM {_TMP} ORDER BY member_id LIMIT %s)",
                    [allowed],
                )
            if allowed and not dry_run:
                cursor.execute(
                    insert_coupons.format(source=f"SELECT member_id FROM {_TMP}", seqs=seqs),
                    coupon_params,
                )
                if counters_in_range:
                    cursor.execute(
                        "UPDATE coupons_memberpromotioncounter SET issued_qty = issued_qty + %s "
                        f"WHERE promotion_id = %s{c_range} AND member_id IN (SELECT member_id FROM {_TMP})",
                        [qty, promotion.pk, *c_params],
                    )
        stop = errors.SOLD_OUT if room is not None and allowed < fresh else None
        if allowed and not dry_run:
            cursor.execute(
                "UPDATE coupons_promotion SET issu_qty = issu_qty + %s WHERE id = %s "
                "AND (issu_lmt_qty IS NULL OR issu_qty + %s <= issu_lmt_qty)",
                [allowed * qty, promotion.pk, allowed * qty],
            )
            if cursor.rowcount != 1:  # cannot happen under the row lock; never commit an overshoot
                raise DomainError(
                    _("발급한도를 넘는 자동발급을 취소했습니다."), code=errors.SOLD_OUT
                )
            reports.rollup_issued(
                promotion_id=promotion.pk,
                channel=codes.Channel.BATCH,
                reason_cd="",
                issued_at=now,
                qty=allowed * qty,
            )
        result.issued_members += allowed
        result.issued_coupons += allowed * qty
    return stop, issued_before + allowed * qty
