"""Use at order, restore at cancellation, and the budget in KRW (SPEC §7).

- `coupons_use` (cpnUse): the order system's amounts are recomputed by `coupons.pricing` (the
  code `orderCpnCalc` prices with) and the whole request is refused on any difference; otherwise
  every listed copy becomes USED for the order, or none does. Idempotent by `ordNo`.
- `coupons_restore` (cpnRestore): a copy all of whose lines are cancelled returns to ISSUED (or
  EXPIRED past its validity); a cart coupon with lines still kept stays USED and the share of its
  discount on the cancelled lines is clawed back. Idempotent by `clmNo`.

Nothing here is decided by a Python read-then-write:
- the promotion's used amount moves by a conditional `UPDATE … SET budget_used = budget_used + n
  WHERE budget_amt IS NULL OR budget_used + n <= budget_amt` (`BUDGET_EXHAUSTED` when no row),
  and a CheckConstraint holds used ≤ budget;
- a copy becomes USED by `UPDATE … SET status = 'USED' WHERE status = 'ISSUED' AND <valid now>`
  (the loser of a race gets no row), and a partial unique index allows one open use per copy.
Locks are taken in the issuing engine's order — promotion rows first (sorted), then the copies
(sorted) — so a use never deadlocks with an issue, a revoke or another use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import codes, errors, pricing, reports
from .errors import Conflict, DomainError, NotFound
from .models import (
    CouponClaim,
    CouponOrder,
    CouponUse,
    CouponUseLine,
    Member,
    MemberCoupon,
    Promotion,
)

# Refusal codes of cpnUse / cpnRestore besides pricing's (pricing.PRICING_REFUSAL_CODES).
BUDGET_EXHAUSTED = errors.BUDGET_EXHAUSTED
COUPON_ALREADY_USED = "COUPON_ALREADY_USED"
ORDER_ALREADY_USED = "ORDER_ALREADY_USED"
CLAIM_ALREADY_PROCESSED = "CLAIM_ALREADY_PROCESSED"
UNKNOWN_ORDER = "UNKNOWN_ORDER"
UNKNOWN_GOODS = "UNKNOWN_GOODS"
USE_REFUSAL_CODES = {
    **pricing.PRICING_REFUSAL_CODES,
    BUDGET_EXHAUSTED: "프로모션 예산 소진",
    COUPON_ALREADY_USED: "다른 주문이 먼저 사용함",
    ORDER_ALREADY_USED: "같은 주문번호로 다른 요청이 이미 처리됨",
    UNKNOWN_GOODS: "상품이 없음",
}
RESTORE_REFUSAL_CODES = {
    UNKNOWN_ORDER: "쿠폰을 사용한 주문이 없음",
    CLAIM_ALREADY_PROCESSED: "같은 클레임번호로 다른 요청이 이미 처리됨",
}


def _hash(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


# -- budget ------------------------------------------------------------------------------------
def budget_consume(*, promotion_id: int, amount: int) -> bool:
    """Add `amount` to the promotion's used amount unless it would pass the budget; returns whether
    it did (one conditional UPDATE, which also takes the promotion's row lock)."""
    return (
        Promotion.objects.filter(pk=promotion_id)
        .filter(Q(budget_amt__isnull=True) | Q(budget_amt__gte=F("budget_used") + amount))
        .update(budget_used=F("budget_used") + amount)
        == 1
    )


def budget_give_back(*, promotion_id: int, amount: int) -> None:
    """Take `amount` off the promotion's used amount (a restore or a claw-back)."""
    if amount:
        Promotion.objects.filter(pk=promotion_id, budget_used__gte=amount).update(
            budget_used=F("budget_used") - amount
        )


def _budget_refusal(promotion_id: int, amount: int) -> DomainError:
    p = Promotion.objects.filter(pk=promotion_id).values("promo_no", "budget_amt", "budget_used")
    p = p.first() or {"promo_no": "", "budget_amt": 0, "budget_used": 0}
    left = max((p["budget_amt"] or 0) - p["budget_used"], 0)
    return Conflict(
        _("프로모션 %(no)s의 예산이 부족합니다(남은 예산 %(left)s원, 필요 %(n)s원).")
        % {"no": p["promo_no"], "left": f"{left:,}", "n": f"{amount:,}"},
        code=BUDGET_EXHAUSTED,
        fields={"promoNo": [p["promo_no"]]},
    )


# -- use ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UseOutcome:
    """cpnUse's answer (`body`, in API names) and whether it is the first answer replayed."""

    order: CouponOrder
    body: dict
    replayed: bool = False


def _use_payload(**kw) -> dict:
    return {
        "mbr_no": kw["mbr_no"],
        "ord_media_cd": kw["ord_media_cd"],
        "site_no": kw["site_no"],
        "goods_list": sorted(kw["goods_list"], key=lambda g: g["ord_goods_seq"]),
        "dlv_grp_list": sorted(kw["dlv_grp_list"], key=lambda g: g["deli_no"]),
        "use_list": sorted(kw["use_list"], key=lambda u: u["cpn_isu_no"]),
    }


def _replay_or_conflict(ord_no: str, request_hash: str) -> UseOutcome | None:
    existing = CouponOrder.objects.filter(ord_no=ord_no).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise Conflict(
            _("주문번호 %(no)s는 다른 요청으로 이미 쿠폰을 사용했습니다.") % {"no": ord_no},
            code=ORDER_ALREADY_USED,
            fields={"ordNo": [_("이미 처리된 주문번호입니다.")]},
        )
    return UseOutcome(order=existing, body=existing.response, replayed=True)


def _refusal_error(check: pricing.UseCheck, uses: list[dict]) -> DomainError:
    """The first refusal as the error, every refused copy under its `useList[i]` path."""
    index = {u["cpn_isu_no"]: i for i, u in enumerate(uses)}
    fields: dict[str, list[str]] = {}
    for r in check.refusals:
        path = f"useList[{index.get(r.cpn_isu_no, 0)}]"
        if r.code == pricing.DC_AMT_MISMATCH:
            fields.setdefault(f"{path}.dcAmt", []).append(r.message)
            fields.setdefault(f"{path}.expectedDcAmt", []).append(str(r.expected_dc_amt))
        else:
            fields.setdefault(f"{path}.cpnIsuNo", []).append(f"{r.code}: {r.message}")
    first = check.refusals[0]
    return Conflict(first.message, code=first.code, fields=fields)


def _use_lines(benefit: pricing.Benefit, order: pricing.Order) -> list[tuple[int, int, int, int]]:
    """(ord_goods_seq, dc, ours, vendor's) of each line a benefit applies to."""
    if benefit.allocations:
        return [
            (a.ord_goods_seq, a.dc_amt, a.our_dc_amt, a.entr_dc_amt) for a in benefit.allocations
        ]
    if benefit.ord_goods_seq is not None:
        return [(benefit.ord_goods_seq, benefit.dc_amt, benefit.our_dc_amt, benefit.entr_dc_amt)]
    group = order.group(benefit.deli_no) if benefit.deli_no else None
    # A delivery coupon is on its group: its lines carry no share of it, and it is given back
    # when all of them are cancelled.
    return [(seq, 0, 0, 0) for seq in (group.ord_goods_seqs if group else ())]


def _use_row(use: CouponUse, lines) -> dict:
    return {
        "cpnIsuNo": use.member_coupon_id,
        "promoNo": use.promotion.promo_no,
        "promoTypCd": use.promo_typ_cd,
        "ordGoodsSeq": use.ord_goods_seq,
        "deliNo": use.deli_no or None,
        "dcAmt": use.dc_amt,
        "ourDcAmt": use.our_dc_amt,
        "entrDcAmt": use.entr_dc_amt,
        "goodsList": [
            {"ordGoodsSeq": seq, "dcAmt": dc, "ourDcAmt": ours, "entrDcAmt": entr}
            for seq, dc, ours, entr in lines
        ],
    }


def coupons_use(
    *,
    ord_no: str,
    mbr_no: str,
    ord_media_cd: str,
    site_no: str,
    goods_list: list[dict],
    dlv_grp_list: list[dict],
    use_list: list[dict],
    user=None,
    now: datetime | None = None,
) -> UseOutcome:
    """Use every copy of `use_list` on order `ord_no`, or none; returns the outcome (the first one
    again for the same request). Items are in service names: goods (ord_goods_seq, goods_no,
    itm_no, cnt, sale_prc), delivery groups (deli_no, dlex_amt, ord_goods_seqs), uses (cpn_isu_no,
    ord_goods_seq or deli_no or neither, dc_amt). Raises DomainError with pricing's refusal codes
    (DC_AMT_MISMATCH names the expected amount), Conflict BUDGET_EXHAUSTED / COUPON_ALREADY_USED /
    ORDER_ALREADY_USED, NotFound UNKNOWN_MEMBER."""
    now = now or timezone.now()
    payload = _use_payload(
        mbr_no=mbr_no,
        ord_media_cd=ord_media_cd,
        site_no=site_no,
        goods_list=goods_list,
        dlv_grp_list=dlv_grp_list,
        use_list=use_list,
    )
    request_hash = _hash(payload)
    replay = _replay_or_conflict(ord_no, request_hash)
    if replay is not None:
        return replay
    member = Member.objects.filter(pk=mbr_no).first()
    if member is None:
        raise NotFound(
            _("존재하지 않는 회원입니다: %(no)s") % {"no": mbr_no},
            code="UNKNOWN_MEMBER",
            fields={"mbrNo": [mbr_no]},
        )
    loaded = pricing.load_order(
        member=member,
        ord_media_cd=ord_media_cd,
        site_no=site_no,
        goods_list=goods_list,
        dlv_grp_list=dlv_grp_list,
        cpn_isu_nos=[u["cpn_isu_no"] for u in use_list],
        now=now,
    )
    if loaded.unknown_goods:
        raise DomainError(
            _("없는 상품입니다: %(nos)s") % {"nos": ", ".join(loaded.unknown_goods)},
            code=UNKNOWN_GOODS,
            fields={"goodsList": list(loaded.unknown_goods)},
        )
    check = pricing.check_use(
        loaded.order,
        loaded.copies,
        [
            pricing.Use(
                cpn_isu_no=u["cpn_isu_no"],
                dc_amt=u["dc_amt"],
                ord_goods_seq=u.get("ord_goods_seq"),
                deli_no=u.get("deli_no") or None,
            )
            for u in use_list
        ],
    )
    if not check.ok:
        # A twin request (same ordNo and body) may have committed after our replay check and
        # taken the copies: that is its answer, not a refusal.
        replay = _replay_or_conflict(ord_no, request_hash)
        if replay is not None:
            return replay
        raise _refusal_error(check, use_list)
    try:
        return _record_use(
            ord_no=ord_no,
            member=member,
            order=loaded.order,
            benefits=check.choice.benefits,
            request_hash=request_hash,
            user=user,
            now=now,
        )
    except IntegrityError:
        # Another request with this ordNo committed first (the unique ord_no), or a copy's open
        # use did (the partial unique index): answer as a replay, a 409, or the copy taken.
        replay = _replay_or_conflict(ord_no, request_hash)
        if replay is not None:
            return replay
        raise Conflict(
            _("다른 주문이 먼저 쿠폰을 사용했습니다."), code=COUPON_ALREADY_USED
        ) from None


@transaction.atomic
def _record_use(*, ord_no, member, order, benefits, request_hash, user, now) -> UseOutcome:
    by_promo: dict[int, int] = {}
    for b in benefits:
        by_promo[b.copy.terms.promo_id] = by_promo.get(b.copy.terms.promo_id, 0) + b.dc_amt
    record = CouponOrder.objects.create(
        ord_no=ord_no, member=member, request_hash=request_hash, used_at=now, used_by=user
    )
    # Promotion rows first (the issuing engine's order), each by its conditional UPDATE.
    for promo_id in sorted(by_promo):
        if not budget_consume(promotion_id=promo_id, amount=by_promo[promo_id]):
            raise _budget_refusal(promo_id, by_promo[promo_id])
    for b in sorted(benefits, key=lambda b: b.copy.cpn_isu_no):
        taken = MemberCoupon.objects.filter(
            pk=b.copy.cpn_isu_no,
            member_id=member.mbr_no,
            status=codes.CouponStatus.ISSUED,
            valid_from__lte=now,
            valid_until__gt=now,
        ).update(status=codes.CouponStatus.USED, used_at=now, use_ord_no=ord_no)
        if taken != 1:
            raise Conflict(
                _("쿠폰 %(no)s은(는) 이미 사용되었거나 사용할 수 없습니다.")
                % {"no": b.copy.cpn_isu_no},
                code=COUPON_ALREADY_USED,
                fields={"cpnIsuNo": [str(b.copy.cpn_isu_no)]},
            )
    promotions = {p.pk: p for p in Promotion.objects.filter(pk__in=list(by_promo))}
    rows = []
    for b in benefits:
        use = CouponUse.objects.create(
            order=record,
            ord_no=ord_no,
            member_coupon_id=b.copy.cpn_isu_no,
            promotion=promotions[b.copy.terms.promo_id],
            member=member,
            promo_typ_cd=b.copy.terms.promo_typ_cd,
            ord_goods_seq=b.ord_goods_seq if not b.allocations else None,
            deli_no=b.deli_no or "",
            dc_amt=b.dc_amt,
            our_dc_amt=b.our_dc_amt,
            entr_dc_amt=b.entr_dc_amt,
            used_at=now,
        )
        lines = _use_lines(b, order)
        CouponUseLine.objects.bulk_create(
            CouponUseLine(use=use, ord_goods_seq=seq, dc_amt=dc, our_dc_amt=o, entr_dc_amt=e)
            for seq, dc, o, e in lines
        )
        rows.append(_use_row(use, lines))
    _rollup_uses(benefits, now)
    rows.sort(key=lambda r: r["cpnIsuNo"])
    body = {
        "ordNo": ord_no,
        "mbrNo": member.mbr_no,
        "useDtm": _iso(now),
        "totalDcAmt": sum(r["dcAmt"] for r in rows),
        "useList": rows,
    }
    record.response = body
    record.save(update_fields=["response"])
    return UseOutcome(order=record, body=body)


def _rollup_uses(benefits, now: datetime) -> None:
    """The report's increments of a use: each copy used (with its discount) today, and in use
    among the copies of its issue day; one grouped upsert, last in the transaction."""
    copies = {
        row["pk"]: row
        for row in MemberCoupon.objects.filter(pk__in=[b.copy.cpn_isu_no for b in benefits]).values(
            "pk", "channel", "cs_cpn_pay_caus_cd", "issued_at"
        )
    }
    delta = reports.RollupDelta()
    for b in benefits:
        copy = copies[b.copy.cpn_isu_no]
        key = {
            "promotion_id": b.copy.terms.promo_id,
            "channel": copy["channel"],
            "reason_cd": copy["cs_cpn_pay_caus_cd"],
        }
        delta.add_amounts(
            day=reports.report_day(now),
            **key,
            sign=1,
            dc=b.dc_amt,
            our=b.our_dc_amt,
            entr=b.entr_dc_amt,
        )
        delta.add(day=reports.report_day(now), **key, used=1)
        delta.add(day=reports.report_day(copy["issued_at"]), **key, issued_in_use=1)
    delta.save()


# -- restore -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreOutcome:
    claim: CouponClaim
    body: dict
    replayed: bool = False


def _claim_replay_or_conflict(clm_no: str, request_hash: str) -> RestoreOutcome | None:
    existing = CouponClaim.objects.filter(clm_no=clm_no).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise Conflict(
            _("클레임번호 %(no)s는 다른 요청으로 이미 처리되었습니다.") % {"no": clm_no},
            code=CLAIM_ALREADY_PROCESSED,
            fields={"clmNo": [_("이미 처리된 클레임번호입니다.")]},
        )
    return RestoreOutcome(claim=existing, body=existing.response, replayed=True)


def coupons_restore(
    *,
    ord_no: str,
    clm_no: str,
    ord_goods_seqs: list[int] | None = None,
    user=None,
    now: datetime | None = None,
) -> RestoreOutcome:
    """Give back the coupons of cancelled or returned lines of `ord_no` (all lines when
    `ord_goods_seqs` is empty); returns the outcome (the first one again for the same `clm_no`).
    A copy all of whose lines are cancelled returns to ISSUED, or EXPIRED past its validity, and
    its remaining amount goes back to the budget; a cart coupon with lines kept stays USED and
    answers the share of the cancelled lines to claw back. Raises NotFound UNKNOWN_ORDER,
    Conflict CLAIM_ALREADY_PROCESSED."""
    now = now or timezone.now()
    seqs = sorted(set(ord_goods_seqs or []))
    request_hash = _hash({"ord_no": ord_no, "ord_goods_seqs": seqs})
    replay = _claim_replay_or_conflict(clm_no, request_hash)
    if replay is not None:
        return replay
    try:
        return _record_restore(
            ord_no=ord_no, clm_no=clm_no, seqs=seqs, request_hash=request_hash, user=user, now=now
        )
    except IntegrityError:
        replay = _claim_replay_or_conflict(clm_no, request_hash)
        if replay is None:
            raise
        return replay


@transaction.atomic
def _record_restore(*, ord_no, clm_no, seqs, request_hash, user, now) -> RestoreOutcome:
    # The order row lock orders claims of one order: two claims never cancel a line twice.
    record = CouponOrder.objects.select_for_update().filter(ord_no=ord_no).first()
    if record is None:
        raise NotFound(
            _("쿠폰을 사용한 주문이 없습니다: %(no)s") % {"no": ord_no},
            code=UNKNOWN_ORDER,
            fields={"ordNo": [ord_no]},
        )
    claim = CouponClaim.objects.create(
        clm_no=clm_no, order=record, request_hash=request_hash, created_at=now, created_by=user
    )
    uses = list(
        CouponUse.objects.filter(order=record, restored_at__isnull=True)
        .select_related("promotion", "member_coupon")
        .prefetch_related("lines")
        .order_by("member_coupon_id")
    )
    restored, kept, give_back = [], [], {}
    delta = reports.RollupDelta()
    for use in uses:
        lines = list(use.lines.all())
        cancelling = [
            line
            for line in lines
            if line.cancelled_at is None and (not seqs or line.ord_goods_seq in seqs)
        ]
        if not cancelling and lines:
            continue
        for line in cancelling:
            line.clm_no, line.cancelled_at = clm_no, now
        CouponUseLine.objects.bulk_update(cancelling, ["clm_no", "cancelled_at"])
        if all(line.cancelled_at is not None for line in lines):
            amount = use.dc_amt - use.clawback_amt
            status = (
                codes.CouponStatus.ISSUED
                if use.member_coupon.valid_until > now
                else codes.CouponStatus.EXPIRED
            )
            use.restored_at, use.restore_clm_no, use.restored_status = now, clm_no, status
            use.save(update_fields=["restored_at", "restore_clm_no", "restored_status"])
            restored.append((use, status, amount))
            _rollup_restore(delta, use, lines, clm_no, status, now)
        elif use.promo_typ_cd == codes.PromoType.CART:
            amount = sum(line.dc_amt for line in cancelling)
            if not amount:
                continue
            use.clawback_amt = F("clawback_amt") + amount
            use.save(update_fields=["clawback_amt"])
            kept.append((use, amount, [line.ord_goods_seq for line in cancelling]))
            delta.add_amounts(
                day=reports.report_day(now),
                **_rollup_key(use),
                sign=-1,
                dc=amount,
                our=sum(line.our_dc_amt for line in cancelling),
                entr=sum(line.entr_dc_amt for line in cancelling),
            )
        else:
            continue
        give_back[use.promotion_id] = give_back.get(use.promotion_id, 0) + amount
    # Promotion rows first, then the copies (the issuing engine's lock order).
    for promo_id in sorted(give_back):
        budget_give_back(promotion_id=promo_id, amount=give_back[promo_id])
    for use, status, _amount in restored:
        MemberCoupon.objects.filter(pk=use.member_coupon_id, status=codes.CouponStatus.USED).update(
            status=status, used_at=None, use_ord_no=""
        )
    delta.save()  # the rollup last, in key order (the lock order of every writer)
    body = {
        "ordNo": ord_no,
        "clmNo": clm_no,
        "rstrDtm": _iso(now),
        "restoreList": [
            {
                "cpnIsuNo": use.member_coupon_id,
                "promoNo": use.promotion.promo_no,
                "promoTypCd": use.promo_typ_cd,
                "cpnStatCd": status,
                "rstrDcAmt": amount,
            }
            for use, status, amount in restored
        ],
        "clawbackList": [
            {
                "cpnIsuNo": use.member_coupon_id,
                "promoNo": use.promotion.promo_no,
                "promoTypCd": use.promo_typ_cd,
                "ordGoodsSeqList": cancelled,
                "clawbackAmt": amount,
            }
            for use, amount, cancelled in kept
        ],
        "totalClawbackAmt": sum(amount for _use, amount, _seqs in kept),
    }
    claim.response = body
    claim.save(update_fields=["response"])
    return RestoreOutcome(claim=claim, body=body)


def _rollup_key(use: CouponUse) -> dict:
    return {
        "promotion_id": use.promotion_id,
        "channel": use.member_coupon.channel,
        "reason_cd": use.member_coupon.cs_cpn_pay_caus_cd,
    }


def _rollup_restore(delta, use: CouponUse, lines, clm_no: str, status: str, now: datetime) -> None:
    """A restored copy: restored today, giving back what its claw-backs had not (the use less the
    lines clawed back by earlier claims); no longer in use among its issue day's copies; expired
    on its valid_until day when it comes back past its validity."""
    clawed = [line for line in lines if line.cancelled_at is not None and line.clm_no != clm_no]
    key = _rollup_key(use)
    our = use.our_dc_amt - (sum(line.our_dc_amt for line in clawed) if use.clawback_amt else 0)
    entr = use.entr_dc_amt - (sum(line.entr_dc_amt for line in clawed) if use.clawback_amt else 0)
    delta.add_amounts(
        day=reports.report_day(now),
        **key,
        sign=-1,
        dc=use.dc_amt - use.clawback_amt,
        our=our,
        entr=entr,
    )
    delta.add(day=reports.report_day(now), **key, restored=1)
    delta.add(day=reports.report_day(use.member_coupon.issued_at), **key, issued_in_use=-1)
    if status == codes.CouponStatus.EXPIRED:
        delta.add(day=reports.report_day(use.member_coupon.valid_until), **key, expired=1)
