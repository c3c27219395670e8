"""Every write to promotions and code tables. The admin, the API and commands all call these."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_changes, audit_record

from . import codes, rules
from .errors import Conflict, DomainError
from .models import (
    FROZEN_FIELDS,
    UNREVISED_FIELDS,
    MemberCoupon,
    Promotion,
    PromotionRevision,
    PromotionTarget,
)
from .selectors import auto_issue_type_in_use

# An edit of a promotion in these states is a revision until another user approves it (rule 10).
REVISED_STATUSES = (codes.PromoStatus.APPROVED, codes.PromoStatus.SUSPENDED)
# The fields a merchandiser edits (the form's and the API's), in the model's order.
EDITABLE_FIELDS = tuple(
    f.name for f in Promotion._meta.concrete_fields if f.editable and not f.primary_key
)

PROMO_NO_PREFIX = "C"
PROMO_NO_FIRST = 1_000_000
PROMO_NO_COUNTER = "promo_no"


def promo_no_next() -> str:
    """The next promoNo (`C` + 7 digits), taken by one atomic UPDATE … RETURNING on the counter row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE coupons_promonocounter SET next_value = next_value + 1 WHERE name = %s "
            "RETURNING next_value - 1",
            [PROMO_NO_COUNTER],
        )
        row = cursor.fetchone()
        if row is None:  # the counter row is seeded by migration; recreate it if someone deleted it
            cursor.execute(
                "INSERT INTO coupons_promonocounter (name, next_value) VALUES (%s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                [PROMO_NO_COUNTER, PROMO_NO_FIRST],
            )
            return promo_no_next()
    value = row[0]
    if value > 9_999_999:
        raise DomainError(_("프로모션번호가 모두 소진되었습니다."), code="PROMO_NO_EXHAUSTED")
    return f"{PROMO_NO_PREFIX}{value:07d}"


def promotion_has_issued(promotion: Promotion) -> bool:
    return (
        promotion.pk is not None and MemberCoupon.objects.filter(promotion_id=promotion.pk).exists()
    )


def _frozen_changes(promotion: Promotion, targets: list[dict] | None) -> list[str]:
    stored = Promotion.objects.get(pk=promotion.pk)
    changed = [f for f in FROZEN_FIELDS if getattr(stored, f) != getattr(promotion, f)]
    if targets is not None:
        if _target_keys(targets) != _target_keys(
            stored.targets.values("aply_gb_cd", "aply_typ_cd", "tgt_no")
        ):
            changed.append("targets")
    return changed


def _target_keys(targets) -> set[tuple]:
    return {(t["aply_gb_cd"], t["aply_typ_cd"], str(t["tgt_no"])) for t in targets}


def promotion_check_context(
    promotion: Promotion, *, targets: list[dict] | None = None
) -> dict[str, list]:
    """The rules that need other rows (in-use MK008, unique code, duplicate targets, frozen
    terms), each a function of `coupons.rules` given the facts looked up here.

    Returns errors by field (empty when all hold); `promotion_validate` adds the one-row rules.
    """
    code_taken = bool(promotion.dc_cpn_cd) and (
        Promotion.objects.filter(dc_cpn_cd=promotion.dc_cpn_cd).exclude(pk=promotion.pk).exists()
    )
    type_in_use = (
        promotion.cpn_issu_way_cd == codes.IssueMethod.AUTO
        and bool(promotion.auto_issu_typ_cd)
        and auto_issue_type_in_use(promotion.auto_issu_typ_cd)
    )
    frozen = (
        _frozen_changes(promotion, targets)
        if promotion.pk and promotion_has_issued(promotion)
        else []
    )
    return rules.collect(
        rules.auto_issue_type_in_use(promotion, type_in_use=type_in_use),
        rules.discount_code_unique(promotion, code_taken=code_taken),
        rules.targets_distinct(targets or []),
        rules.terms_frozen(frozen),
    )


def promotion_normalize(promotion: Promotion) -> Promotion:
    """Input as a merchandiser types it, stored the one way (`rules.normalize_*`); returns it."""
    promotion.dc_cpn_cd = rules.normalize_dc_cpn_cd(promotion.dc_cpn_cd)
    return promotion


def promotion_errors(promotion: Promotion, *, targets: list[dict] | None = None) -> dict:
    """Every rule of SPEC §3 for a promotion about to be saved, as errors by field (empty when
    all hold): the model's fields and `clean()` (the one-row rules) and the context rules."""
    errors: dict[str, list] = {}
    try:
        promotion.full_clean(exclude=["promo_no"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, messages in promotion_check_context(promotion, targets=targets).items():
        errors.setdefault(field, []).extend(messages)
    return errors


def promotion_validate(promotion: Promotion, *, targets: list[dict] | None = None) -> None:
    """Every rule of SPEC §3 for a promotion about to be saved; raises ValidationError by field."""
    errors = promotion_errors(promotion, targets=targets)
    if errors:
        raise ValidationError(errors)


def _save_targets(promotion: Promotion, targets: list[dict] | None) -> None:
    if targets is None:
        return
    promotion.targets.all().delete()
    PromotionTarget.objects.bulk_create(
        PromotionTarget(
            promotion=promotion,
            aply_gb_cd=t["aply_gb_cd"],
            aply_typ_cd=t["aply_typ_cd"],
            tgt_no=str(t["tgt_no"]),
        )
        for t in targets
    )


def _plain_targets(targets) -> list[dict]:
    """Targets as stored in a revision or an audit row, in one order."""
    return sorted(
        (
            {
                "aply_gb_cd": t["aply_gb_cd"],
                "aply_typ_cd": t["aply_typ_cd"],
                "tgt_no": str(t["tgt_no"]),
            }
            for t in targets
        ),
        key=lambda t: (t["aply_typ_cd"], t["tgt_no"], t["aply_gb_cd"]),
    )


def _stored_targets(promotion: Promotion) -> list[dict]:
    return _plain_targets(promotion.targets.values("aply_gb_cd", "aply_typ_cd", "tgt_no"))


def _json_value(value):
    """A field value as a revision keeps it (JSON): dates and times in ISO 8601."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return list(value)
    return value


def _field(name: str):
    return Promotion._meta.get_field(name)


def _differs(name: str, a, b) -> bool:
    field = _field(name)
    return field.get_prep_value(a) != field.get_prep_value(b)


def _changed_fields(stored: Promotion, proposed: Promotion) -> list[str]:
    return [f for f in EDITABLE_FIELDS if _differs(f, getattr(stored, f), getattr(proposed, f))]


def _snapshot(promotion: Promotion, fields=EDITABLE_FIELDS) -> dict:
    return {f: _json_value(_field(f).value_from_object(promotion)) for f in fields}


def _needs_revision(stored: Promotion, proposed: Promotion, targets: list[dict] | None) -> bool:
    if stored.promo_stat_cd not in REVISED_STATUSES:
        return False
    if targets is not None and _plain_targets(targets) != _stored_targets(stored):
        return True
    return bool(set(_changed_fields(stored, proposed)) - set(UNREVISED_FIELDS))


@transaction.atomic
def promotion_save(
    *, user, promotion: Promotion, targets: list[dict] | None = None, validate: bool = True
) -> Promotion | PromotionRevision:
    """Save a promotion built by a form (validated there with `promotion_validate`).

    Returns the promotion; for an APPROVED or SUSPENDED promotion whose edit changes more than
    the name, returns the pending `PromotionRevision` instead and leaves the promotion as it was
    (rule 10, `promotion_revise`)."""
    promotion_normalize(promotion)
    stored = None
    if promotion.pk is not None:
        # the row lock orders this edit with issuing, approval and other edits
        stored = Promotion.objects.select_for_update().get(pk=promotion.pk)
        if _needs_revision(stored, promotion, targets):
            return promotion_revise(
                user=user, promotion=stored, proposed=promotion, targets=targets
            )
    if validate:
        promotion_validate(promotion, targets=targets)
    if stored is None:
        promotion.promo_no = promo_no_next()
        promotion.promo_stat_cd = codes.PromoStatus.DRAFT
        promotion.created_by = user
        before, old_targets = {}, []
    else:
        # the issued counter and the used amount are moved only by conditional UPDATEs
        # (coupons.issuing, coupons.use)
        promotion.issu_qty = stored.issu_qty
        promotion.budget_used = stored.budget_used
        before, old_targets = _snapshot(stored), _stored_targets(stored)
    promotion.updated_by = user
    promotion.save()
    _save_targets(promotion, targets)
    changes = audit_changes(before, _snapshot(promotion))
    if targets is not None and _plain_targets(targets) != old_targets:
        changes["targets"] = [old_targets, _plain_targets(targets)]
    if stored is None or changes:
        audit_record(
            action="create" if stored is None else "update",
            obj=promotion,
            user=user,
            changes=changes,
        )
    return promotion


def promotion_create(*, user, data: dict, targets: list[dict] | None = None) -> Promotion:
    """Create a DRAFT promotion with a fresh promoNo; raises ValidationError by field."""
    return promotion_save(user=user, promotion=Promotion(**data), targets=targets)


def promotion_update(
    *, user, promotion: Promotion, data: dict, targets: list[dict] | None = None
) -> Promotion | PromotionRevision:
    """Apply field changes to a promotion and return it; frozen terms refuse once issued (rule 8).

    An APPROVED or SUSPENDED promotion changes only its name this way: any other change is kept
    as a pending revision, returned instead (rule 10)."""
    for field, value in data.items():
        setattr(promotion, field, value)
    return promotion_save(user=user, promotion=promotion, targets=targets)


# -- revisions (rule 10) ------------------------------------------------------------------------


def _apply_changes(promotion: Promotion, changes: dict) -> Promotion:
    for name, value in changes.items():
        setattr(promotion, name, _field(name).to_python(value))
    return promotion


def _revision_errors_message(errors: dict) -> str:
    reasons = list(dict.fromkeys(str(m) for messages in errors.values() for m in messages))
    return _("수정안이 규칙에 맞지 않습니다: %(reasons)s") % {"reasons": " ".join(reasons)}


def promotion_revise(
    *, user, promotion: Promotion, proposed: Promotion, targets: list[dict] | None = None
) -> PromotionRevision:
    """Keep an edit of an APPROVED or SUSPENDED promotion as its pending revision and return it;
    the promotion row is not touched. A second edit by the revision's author is added to it (a
    field edited again takes the newer value); an edit by anyone else while it is pending is
    refused (Conflict REVISION_PENDING). Raises ValidationError by field when the proposal breaks
    a rule (rule 8 included: frozen terms cannot be revised)."""
    with transaction.atomic():
        stored = Promotion.objects.select_for_update().get(pk=promotion.pk)
        pending = (
            PromotionRevision.objects.select_for_update()
            .filter(promotion=stored, status=PromotionRevision.Status.PENDING)
            .select_related("author")
            .first()
        )
        if pending is not None and pending.author_id != user.pk:
            raise Conflict(
                _(
                    "%(author)s님의 수정안이 승인 대기 중입니다. 그 수정안을 승인하거나 "
                    "반려한 뒤에 수정하세요."
                )
                % {"author": pending.author.get_username()},
                code="REVISION_PENDING",
                fields={"revision": [str(pending.pk)]},
            )
        changes = dict(pending.changes) if pending else {}
        changes.update(
            {f: _json_value(getattr(proposed, f)) for f in _changed_fields(stored, proposed)}
        )
        live_targets = _stored_targets(stored)
        new_targets = pending.targets if pending else None
        if targets is not None and _plain_targets(targets) != live_targets:
            new_targets = _plain_targets(targets)
        # the whole proposal, as it would go live, checked against every rule now
        candidate = _apply_changes(Promotion.objects.get(pk=stored.pk), changes)
        promotion_normalize(candidate)
        promotion_validate(candidate, targets=new_targets)
        changes = {
            f: _json_value(getattr(candidate, f))
            for f in EDITABLE_FIELDS
            if f in changes and _differs(f, getattr(stored, f), getattr(candidate, f))
        }
        now = timezone.now()
        revision = pending or PromotionRevision(promotion=stored, author=user, created_at=now)
        revision.changes = changes
        revision.previous = _snapshot(stored, fields=list(changes))
        revision.targets = new_targets
        revision.previous_targets = live_targets if new_targets is not None else None
        revision.updated_at = now
        revision.save()
        audit_changes_ = {f: [revision.previous[f], v] for f, v in changes.items()}
        if new_targets is not None:
            audit_changes_["targets"] = [live_targets, new_targets]
        audit_record(
            action="revise",
            obj=stored,
            user=user,
            changes=audit_changes_,
            extra={"revision": revision.pk},
        )
    return revision


def _pending_revision(revision) -> tuple[Promotion, PromotionRevision]:
    pk = revision.pk if isinstance(revision, PromotionRevision) else revision
    promotion_id = PromotionRevision.objects.values_list("promotion_id", flat=True).get(pk=pk)
    # lock order: the promotion first (as issuing and editing), then its revision
    promotion = Promotion.objects.select_for_update().get(pk=promotion_id)
    locked = PromotionRevision.objects.select_for_update().get(pk=pk)
    if locked.status != PromotionRevision.Status.PENDING:
        raise Conflict(
            _("이미 처리된 수정안입니다 (%(status)s).") % {"status": locked.get_status_display()},
            code="REVISION_DECIDED",
            fields={"status": [str(locked.status)]},
        )
    return promotion, locked


@transaction.atomic
def promotion_revision_approve(*, user, revision) -> PromotionRevision:
    """Apply a pending revision to its promotion at once and return it (APPROVED). The approver
    must not be its author; every rule is checked again on the result (rule 8: terms frozen by a
    coupon issued meanwhile refuse it). Raises DomainError SELF_APPROVAL / INVALID_REVISION or
    Conflict REVISION_DECIDED / INVALID_STATUS; nothing changes when refused."""
    promotion, revision = _pending_revision(revision)
    if revision.author_id == user.pk:
        raise DomainError(
            _("수정안을 작성한 사람은 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."),
            code="SELF_APPROVAL",
            fields={"approved_by": [_("수정안을 작성한 사람은 승인할 수 없습니다.")]},
        )
    if promotion.promo_stat_cd not in REVISED_STATUSES:
        raise Conflict(
            _("%(status)s 상태의 프로모션에는 수정안을 적용할 수 없습니다.")
            % {"status": promotion.get_promo_stat_cd_display()},
            code="INVALID_STATUS",
            fields={"promo_stat_cd": [str(promotion.promo_stat_cd)]},
        )
    before, old_targets = _snapshot(promotion), _stored_targets(promotion)
    _apply_changes(promotion, revision.changes)
    try:
        promotion_validate(promotion, targets=revision.targets)
    except ValidationError as exc:
        raise DomainError(
            _revision_errors_message(exc.message_dict),
            code="INVALID_REVISION",
            fields=exc.message_dict,
            http_status=409,
        ) from exc
    now = timezone.now()
    promotion.updated_by = revision.author  # the last editor is who wrote the terms
    promotion.approved_by = user
    promotion.approved_at = now
    promotion.save()
    _save_targets(promotion, revision.targets)
    revision.status = PromotionRevision.Status.APPROVED
    revision.decided_by = user
    revision.decided_at = now
    revision.save(update_fields=["status", "decided_by", "decided_at"])
    changes = audit_changes(before, _snapshot(promotion))
    if revision.targets is not None:
        changes["targets"] = [old_targets, revision.targets]
    audit_record(
        action="revision_approve",
        obj=promotion,
        user=user,
        changes=changes,
        extra={"revision": revision.pk, "author": revision.author.get_username()},
    )
    return revision


@transaction.atomic
def promotion_revision_reject(*, user, revision, note: str = "") -> PromotionRevision:
    """Close a pending revision without applying it and return it (REJECTED); its author may
    withdraw it this way. Raises Conflict REVISION_DECIDED."""
    promotion, revision = _pending_revision(revision)
    revision.status = PromotionRevision.Status.REJECTED
    revision.decided_by = user
    revision.decided_at = timezone.now()
    revision.decision_note = (note or "").strip()[:500]
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action="revision_reject",
        obj=promotion,
        user=user,
        extra={"revision": revision.pk, "note": revision.decision_note},
    )
    return revision


def promotion_revision_diff(revision: PromotionRevision) -> list[tuple[str, object, object]]:
    """(field, old, new) of a revision, values as Python; `targets` last when it changes. Old is
    the live value while the revision is pending, the value it replaced once decided."""
    live = revision.promotion
    pending = revision.status == PromotionRevision.Status.PENDING
    rows = []
    for name in EDITABLE_FIELDS:
        if name not in revision.changes:
            continue
        field = _field(name)
        old = getattr(live, name) if pending else field.to_python(revision.previous.get(name))
        rows.append((name, old, field.to_python(revision.changes[name])))
    if revision.targets is not None:
        old = _stored_targets(live) if pending else revision.previous_targets
        rows.append(("targets", old or [], revision.targets))
    return rows


def promotion_pending_revision(promotion: Promotion) -> PromotionRevision | None:
    """The promotion's pending revision, if any."""
    return (
        PromotionRevision.objects.filter(
            promotion_id=promotion.pk, status=PromotionRevision.Status.PENDING
        )
        .select_related("author")
        .first()
    )


def _transition(
    promotion: Promotion, *, allowed_from: set, to: str, user, verb: str, action: str
) -> Promotion:
    locked = Promotion.objects.select_for_update().get(pk=promotion.pk)
    if locked.promo_stat_cd not in allowed_from:
        raise Conflict(
            _("%(status)s 상태의 프로모션은 %(verb)s할 수 없습니다.")
            % {"status": locked.get_promo_stat_cd_display(), "verb": verb},
            code="INVALID_STATUS",
            fields={"promo_stat_cd": [str(locked.promo_stat_cd)]},
        )
    before = {"promo_stat_cd": locked.promo_stat_cd, "approved_by": locked.approved_by_id}
    locked.promo_stat_cd = to
    if to == codes.PromoStatus.APPROVED:
        locked.approved_by = user
        locked.approved_at = timezone.now()
    locked.save(update_fields=["promo_stat_cd", "approved_by", "approved_at", "updated_at"])
    audit_record(
        action=action,
        obj=locked,
        user=user,
        changes=audit_changes(
            before, {"promo_stat_cd": locked.promo_stat_cd, "approved_by": locked.approved_by_id}
        ),
    )
    return locked


@transaction.atomic
def promotion_approve(*, user, promotion: Promotion) -> Promotion:
    """DRAFT or SUSPENDED → APPROVED; the approver must not be the last editor (rule 9)."""
    stored = Promotion.objects.get(pk=promotion.pk)
    if stored.updated_by_id is not None and stored.updated_by_id == user.pk:
        raise DomainError(
            _("마지막으로 수정한 사람은 승인할 수 없습니다. 다른 담당자가 승인해야 합니다."),
            code="SELF_APPROVAL",
            fields={"approved_by": [_("마지막으로 수정한 사람은 승인할 수 없습니다.")]},
        )
    try:
        promotion_validate(stored)
    except ValidationError as exc:
        raise DomainError(
            _("규칙에 맞지 않는 프로모션은 승인할 수 없습니다."),
            code="INVALID_PROMOTION",
            fields=exc.message_dict,
        ) from exc
    return _transition(
        stored,
        allowed_from={codes.PromoStatus.DRAFT, codes.PromoStatus.SUSPENDED},
        to=codes.PromoStatus.APPROVED,
        user=user,
        verb=_("승인"),
        action="approve",
    )


@transaction.atomic
def promotion_suspend(*, user, promotion: Promotion) -> Promotion:
    """APPROVED → SUSPENDED: no more issues until approved again."""
    return _transition(
        promotion,
        allowed_from={codes.PromoStatus.APPROVED},
        to=codes.PromoStatus.SUSPENDED,
        user=user,
        verb=_("중지"),
        action="suspend",
    )


@transaction.atomic
def promotion_end(*, user, promotion: Promotion) -> Promotion:
    """Any status but ENDED → ENDED, for good; a pending revision is closed with it (rejected)."""
    ended = _transition(
        promotion,
        allowed_from={
            codes.PromoStatus.DRAFT,
            codes.PromoStatus.APPROVED,
            codes.PromoStatus.SUSPENDED,
        },
        to=codes.PromoStatus.ENDED,
        user=user,
        verb=_("종료"),
        action="end",
    )
    pending = promotion_pending_revision(ended)
    if pending is not None:
        promotion_revision_reject(user=user, revision=pending, note=_("프로모션 종료"))
    return ended


@transaction.atomic
def promotion_copy(*, user, promotion: Promotion) -> Promotion:
    """A new DRAFT promotion with the same terms and targets (the way to change frozen terms)."""
    source = Promotion.objects.get(pk=promotion.pk)
    copy = Promotion.objects.get(pk=promotion.pk)
    copy.pk = None
    copy.promo_no = promo_no_next()
    copy.promo_nm = (_("[복사] ") + source.promo_nm)[:100]
    copy.promo_stat_cd = codes.PromoStatus.DRAFT
    copy.issu_qty = 0
    copy.budget_used = 0
    copy.dc_cpn_cd = None  # codes are unique: the copy gets its own
    copy.approved_by = None
    copy.approved_at = None
    copy.created_by = user
    copy.updated_by = user
    copy.copied_from = source
    copy.save()
    _save_targets(copy, list(source.targets.values("aply_gb_cd", "aply_typ_cd", "tgt_no")))
    audit_record(
        action="copy",
        obj=copy,
        user=user,
        changes=audit_changes({}, _snapshot(copy)),
        extra={"copied_from": source.promo_no},
    )
    return copy


def promotion_target_errors(targets: list[dict]) -> list[tuple[str, str]]:
    """The apply / exclude target rules for a list of targets (`aply_typ_cd`, `tgt_no`, …)."""
    return list(rules.targets_distinct(targets))
