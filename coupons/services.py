"""Every write to promotions and code tables. The admin, the API and commands all call these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import codes, rules
from .errors import Conflict, DomainError
from .models import FROZEN_FIELDS, MemberCoupon, Promotion, PromotionTarget
from .selectors import auto_issue_type_in_use

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


@transaction.atomic
def promotion_save(
    *, user, promotion: Promotion, targets: list[dict] | None = None, validate: bool = True
) -> Promotion:
    """Save a promotion built by a form (validated there with `promotion_validate`)."""
    promotion_normalize(promotion)
    if validate:
        promotion_validate(promotion, targets=targets)
    if promotion.pk is None:
        promotion.promo_no = promo_no_next()
        promotion.promo_stat_cd = codes.PromoStatus.DRAFT
        promotion.created_by = user
    else:
        # the issued counter is moved only by the issuing engine's conditional UPDATE
        promotion.issu_qty = (
            Promotion.objects.select_for_update()
            .values_list("issu_qty", flat=True)
            .get(pk=promotion.pk)
        )
    promotion.updated_by = user
    promotion.save()
    _save_targets(promotion, targets)
    return promotion


def promotion_create(*, user, data: dict, targets: list[dict] | None = None) -> Promotion:
    """Create a DRAFT promotion with a fresh promoNo; raises ValidationError by field."""
    return promotion_save(user=user, promotion=Promotion(**data), targets=targets)


def promotion_update(
    *, user, promotion: Promotion, data: dict, targets: list[dict] | None = None
) -> Promotion:
    """Apply field changes to a promotion; frozen terms refuse once issued (rule 8)."""
    for field, value in data.items():
        setattr(promotion, field, value)
    return promotion_save(user=user, promotion=promotion, targets=targets)


def _transition(promotion: Promotion, *, allowed_from: set, to: str, user, verb: str) -> Promotion:
    locked = Promotion.objects.select_for_update().get(pk=promotion.pk)
    if locked.promo_stat_cd not in allowed_from:
        raise Conflict(
            _("%(status)s 상태의 프로모션은 %(verb)s할 수 없습니다.")
            % {"status": locked.get_promo_stat_cd_display(), "verb": verb},
            code="INVALID_STATUS",
            fields={"promo_stat_cd": [str(locked.promo_stat_cd)]},
        )
    locked.promo_stat_cd = to
    if to == codes.PromoStatus.APPROVED:
        locked.approved_by = user
        locked.approved_at = timezone.now()
    locked.save(update_fields=["promo_stat_cd", "approved_by", "approved_at", "updated_at"])
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
    )


@transaction.atomic
def promotion_end(*, user, promotion: Promotion) -> Promotion:
    """Any status but ENDED → ENDED, for good."""
    return _transition(
        promotion,
        allowed_from={
            codes.PromoStatus.DRAFT,
            codes.PromoStatus.APPROVED,
            codes.PromoStatus.SUSPENDED,
        },
        to=codes.PromoStatus.ENDED,
        user=user,
        verb=_("종료"),
    )


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
    copy.dc_cpn_cd = None  # codes are unique: the copy gets its own
    copy.approved_by = None
    copy.approved_at = None
    copy.created_by = user
    copy.updated_by = user
    copy.copied_from = source
    copy.save()
    _save_targets(copy, list(source.targets.values("aply_gb_cd", "aply_typ_cd", "tgt_no")))
    return copy


def promotion_target_errors(targets: list[dict]) -> list[tuple[str, str]]:
    """The apply / exclude target rules for a list of targets (`aply_typ_cd`, `tgt_no`, …)."""
    return list(rules.targets_distinct(targets))
