"""Coupang downloadable coupons (MARKETPLACES.md): the back-office is their list.

The models keep the `marketplaces` app label, so their tables (`marketplaces_coupangcoupon` …) and
migrations are those of the shared app. Rules: `rules.py`; the constraints use its constants.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Mod
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from marketplaces.models import author_field, written_at_fields
from marketplaces.rules import check_all

from . import rules


class CoupangCoupon(models.Model):
    """A Coupang downloadable coupon: the back-office is its list (Coupang has no list API)."""

    class LocalStatus(models.TextChoices):
        DRAFT = "DRAFT", _("작성 중")
        QUEUED = "QUEUED", _("전송 중")
        NEEDS_RECONCILE = "NEEDS_RECONCILE", _("생성 여부 확인 필요")
        PUSHED = "PUSHED", _("쿠팡 반영됨")
        FAILED = "FAILED", _("실패")
        DESTROYED = "DESTROYED", _("쿠팡에서 삭제됨")
        EXPIRING = "EXPIRING", _("만료 요청됨")
        EXPIRED = "EXPIRED", _("만료됨")

    class RemoteStatus(models.TextChoices):
        STANDBY = "STANDBY", "STANDBY"
        APPLIED = "APPLIED", "APPLIED"
        PAUSING = "PAUSING", "PAUSING"
        PAUSED = "PAUSED", "PAUSED"
        EXPIRING = "EXPIRING", "EXPIRING"
        EXPIRED = "EXPIRED", "EXPIRED"
        DETACHED = "DETACHED", "DETACHED"

    # Statuses whose items still claim their vendor items (one live coupon per vendor item).
    TERMINAL_STATUSES = (LocalStatus.DESTROYED, LocalStatus.EXPIRED)

    title = models.CharField(_("쿠폰명"), max_length=100)
    contract_id = models.PositiveBigIntegerField(
        _("계약 ID"),
        null=True,
        blank=True,
        help_text=_(
            "비우면 COUPANG_CONTRACT_ID 또는 쿠팡 계약 목록의 NON_CONTRACT_BASED 계약을 씁니다."
        ),
    )
    start_at = models.DateTimeField(
        _("시작 일시"), help_text=_("한국 시간. 생성 시점부터 1시간 이후여야 합니다.")
    )
    end_at = models.DateTimeField(_("종료 일시"))
    wing_user_id = models.CharField(
        _("WING 사용자 ID"),
        max_length=50,
        blank=True,
        help_text=_("비우면 COUPANG_WING_USER_ID를 씁니다."),
    )
    promotion = models.ForeignKey(
        "coupons.Promotion",
        verbose_name=_("연결된 프로모션"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupang_coupons",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("대체한 쿠폰"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
    )

    local_status = models.CharField(
        _("처리 상태"), max_length=20, choices=LocalStatus.choices, default=LocalStatus.DRAFT
    )
    remote_status = models.CharField(
        _("쿠팡 상태"), max_length=10, choices=RemoteStatus.choices, blank=True
    )
    coupon_id = models.PositiveBigIntegerField(
        _("쿠팡 couponId"), null=True, blank=True, unique=True
    )
    last_error = models.TextField(_("마지막 오류"), blank=True)
    remote_payload = models.JSONField(_("마지막 수신 내용"), default=dict, blank=True)
    remote_synced_at = models.DateTimeField(_("마지막 수신 시각"), null=True, blank=True)
    # The create in flight: set (and committed) before the POST, cleared when its outcome is known.
    create_attempted_at = models.DateTimeField(_("생성 요청 시각"), null=True, blank=True)
    create_request = models.JSONField(_("생성 요청 내용"), default=dict, blank=True)
    items_requested_at = models.DateTimeField(_("옵션 등록 요청 시각"), null=True, blank=True)
    expire_transaction_id = models.CharField(_("만료 요청 ID"), max_length=64, blank=True)
    destroyed_coupon_ids = models.JSONField(_("삭제된 이전 couponId"), default=list, blank=True)

    created_by = author_field()
    created_at, updated_at = written_at_fields()

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 다운로드 쿠폰")
        verbose_name_plural = _("쿠팡 다운로드 쿠폰")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=F("start_at")), name="coupangcoupon_end_after_start"
            ),
        ]

    def __str__(self):
        suffix = f" ({self.coupon_id})" if self.coupon_id else ""
        return f"{self.title}{suffix}"

    @property
    def is_created_remotely(self) -> bool:
        """Coupang has the coupon (or may have it): its terms can no longer change. A coupon
        Coupang destroyed is editable again: the next push creates a new one."""
        if self.local_status == self.LocalStatus.DESTROYED:
            return False
        return bool(self.coupon_id) or self.local_status in (
            self.LocalStatus.QUEUED,
            self.LocalStatus.NEEDS_RECONCILE,
            self.LocalStatus.EXPIRING,
            self.LocalStatus.EXPIRED,
        )

    def clean(self):
        check_all(
            (rules.coupon_title_present, self.title),
            (rules.end_after_start, self.start_at, self.end_at),
        )


class CoupangCouponPolicy(models.Model):
    """One of a coupon's 1–3 tiers (e.g. 1,000 KRW off 10,000 KRW)."""

    class Discount(models.TextChoices):
        PRICE = rules.PRICE, _("정액 (PRICE)")
        RATE = rules.RATE, _("정률 (RATE)")

    coupon = models.ForeignKey(
        CoupangCoupon, verbose_name=_("쿠폰"), on_delete=models.CASCADE, related_name="policies"
    )
    position = models.PositiveSmallIntegerField(_("순서"), default=1)
    title = models.CharField(_("정책명"), max_length=100)
    type_of_discount = models.CharField(_("할인 유형"), max_length=5, choices=Discount.choices)
    description = models.CharField(_("설명"), max_length=200, blank=True)
    minimum_price = models.PositiveIntegerField(_("최소 주문 금액"))
    discount = models.PositiveIntegerField(_("할인 금액/율"))
    maximum_discount_price = models.PositiveIntegerField(
        _("최대 할인 금액"), null=True, blank=True, help_text=_("정률(RATE)일 때 필수, 10원 단위.")
    )
    maximum_per_daily = models.PositiveIntegerField(_("1인 1일 최대 발급 수"), default=1)
    manage_code = models.CharField(_("쿠팡 관리 코드"), max_length=60, blank=True, editable=False)

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 쿠폰 정책")
        verbose_name_plural = _("쿠팡 쿠폰 정책")
        ordering = ["coupon", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    maximum_per_daily__gte=rules.MIN_PER_DAILY,
                    maximum_per_daily__lte=rules.MAX_PER_DAILY,
                ),
                name="coupangpolicy_per_daily_1_9999",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=rules.MIN_DISCOUNT),
                name="coupangpolicy_discount_positive",
            ),
            models.CheckConstraint(
                condition=Exact(Mod("minimum_price", rules.WON_UNIT), 0),
                name="coupangpolicy_min_price_10_won",
            ),
            models.CheckConstraint(
                condition=Q(type_of_discount=rules.PRICE)
                | Q(
                    discount__lte=rules.MAX_RATE,
                    maximum_discount_price__isnull=False,
                    maximum_discount_price__gte=rules.MIN_RATE_CAP,
                ),
                name="coupangpolicy_rate_1_99_with_cap_v2",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        rules.policy_row(self)


class CoupangCouponItem(models.Model):
    """A vendor item (option id) the coupon applies to; `active` rows claim the item."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("등록 전")
        REQUESTED = "REQUESTED", _("등록 요청됨")
        DONE = "DONE", _("등록됨")
        FAILED = "FAILED", _("등록 실패")

    coupon = models.ForeignKey(
        CoupangCoupon, verbose_name=_("쿠폰"), on_delete=models.CASCADE, related_name="items"
    )
    vendor_item_id = models.PositiveBigIntegerField(_("옵션 ID (vendorItemId)"))
    active = models.BooleanField(_("점유 중"), default=True, editable=False)
    status = models.CharField(
        _("등록 상태"),
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        editable=False,
    )
    transaction_id = models.CharField(_("요청 ID"), max_length=64, blank=True, editable=False)
    failure_reason = models.TextField(_("실패 사유"), blank=True, editable=False)

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 쿠폰 옵션")
        verbose_name_plural = _("쿠팡 쿠폰 옵션")
        ordering = ["coupon", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "vendor_item_id"], name="coupangitem_unique_per_coupon"
            ),
            # A vendor item belongs to at most one live downloadable coupon (Coupang's CIR14).
            models.UniqueConstraint(
                fields=["vendor_item_id"],
                condition=Q(active=True),
                name="coupangitem_one_live_coupon",
            ),
        ]

    def __str__(self):
        return str(self.vendor_item_id)


# --- instant-discount coupons (즉시할인쿠폰) ---------------------------------------------------
class CoupangInstantCoupon(models.Model):
    """A Coupang instant-discount coupon: applied without a download, items added ≤ 10,000 a call.

    Every write is asynchronous on Coupang (a `requestedId` polled to DONE / FAIL); the ids of
    the requests in flight are kept here so a lost answer is looked up, never sent blindly."""

    class Type(models.TextChoices):
        RATE = rules.RATE, _("정률 (RATE)")
        PRICE = rules.PRICE, _("정액 (PRICE)")
        FIXED_WITH_QUANTITY = rules.FIXED_WITH_QUANTITY, _("수량별 정액 (FIXED_WITH_QUANTITY)")

    class LocalStatus(models.TextChoices):
        DRAFT = "DRAFT", _("작성 중")
        QUEUED = "QUEUED", _("전송 중")
        PUSHED = "PUSHED", _("쿠팡 반영됨")
        FAILED = "FAILED", _("실패")
        EXPIRING = "EXPIRING", _("만료 요청됨")
        EXPIRED = "EXPIRED", _("만료됨")

    name = models.CharField(
        _("쿠폰명"), max_length=rules.INSTANT_NAME_MAX, help_text=_("45자 이내.")
    )
    contract_id = models.PositiveBigIntegerField(
        _("계약 ID"),
        null=True,
        blank=True,
        help_text=_(
            "비우면 COUPANG_CONTRACT_ID 또는 쿠팡 계약 목록의 NON_CONTRACT_BASED 계약을 씁니다."
        ),
    )
    type = models.CharField(_("할인 유형"), max_length=20, choices=Type.choices)
    discount = models.PositiveIntegerField(
        _("할인율/할인 금액"), help_text=_("정률은 1~99(%), 정액은 10원 이상 10원 단위.")
    )
    max_discount_price = models.PositiveIntegerField(_("최대 할인 금액"), help_text=_("10원 이상."))
    start_at = models.DateTimeField(_("시작 일시"), help_text=_("한국 시간."))
    end_at = models.DateTimeField(_("종료 일시"))
    wow_exclusive = models.BooleanField(_("와우 회원 전용"), default=False)
    promotion = models.ForeignKey(
        "coupons.Promotion",
        verbose_name=_("연결된 프로모션"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coupang_instant_coupons",
    )

    local_status = models.CharField(
        _("처리 상태"), max_length=20, choices=LocalStatus.choices, default=LocalStatus.DRAFT
    )
    # Whatever Coupang answers (STANDBY, APPLIED, PAUSED, EXPIRED, DETACHED …), kept as given.
    remote_status = models.CharField(_("쿠팡 상태"), max_length=20, blank=True)
    coupon_id = models.PositiveBigIntegerField(
        _("쿠팡 couponId"), null=True, blank=True, unique=True
    )
    last_error = models.TextField(_("마지막 오류"), blank=True)
    remote_payload = models.JSONField(_("마지막 수신 내용"), default=dict, blank=True)
    remote_synced_at = models.DateTimeField(_("마지막 수신 시각"), null=True, blank=True)
    # The create in flight: set (and committed) before the POST, cleared when its outcome is known.
    create_attempted_at = models.DateTimeField(_("생성 요청 시각"), null=True, blank=True)
    create_request = models.JSONField(_("생성 요청 내용"), default=dict, blank=True)
    create_requested_id = models.CharField(_("생성 요청 ID"), max_length=64, blank=True)
    items_requested_at = models.DateTimeField(_("옵션 등록 요청 시각"), null=True, blank=True)
    expire_requested_id = models.CharField(_("만료 요청 ID"), max_length=64, blank=True)
    expire_attempted_at = models.DateTimeField(_("만료 요청 시각"), null=True, blank=True)

    created_by = author_field()
    created_at, updated_at = written_at_fields()

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 즉시할인쿠폰")
        verbose_name_plural = _("쿠팡 즉시할인쿠폰")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=F("start_at")), name="coupanginstant_end_after_start"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="coupanginstant_name_present"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("name"), rules.INSTANT_NAME_MAX),
                name="coupanginstant_name_max_45",
            ),
            models.CheckConstraint(
                condition=Q(type__in=rules.INSTANT_TYPES), name="coupanginstant_type_known"
            ),
            models.CheckConstraint(
                condition=Q(max_discount_price__gte=rules.MIN_MAX_DISCOUNT_PRICE),
                name="coupanginstant_max_discount_gte_10",
            ),
            models.CheckConstraint(
                condition=(
                    Q(type=rules.RATE, discount__gte=rules.MIN_RATE, discount__lte=rules.MAX_RATE)
                    | (
                        ~Q(type=rules.RATE)
                        & Q(discount__gte=rules.MIN_PRICE_DISCOUNT)
                        & Exact(Mod("discount", rules.WON_UNIT), 0)
                    )
                ),
                name="coupanginstant_discount_by_type",
            ),
        ]

    def __str__(self):
        suffix = f" ({self.coupon_id})" if self.coupon_id else ""
        return f"{self.name}{suffix}"

    @property
    def is_created_remotely(self) -> bool:
        """Coupang has the coupon, or may have it: its terms can no longer change here."""
        return (
            bool(self.coupon_id)
            or self.create_attempted_at is not None
            or bool(self.create_requested_id)
        )

    def clean(self):
        check_all(
            (rules.instant_name_valid, self.name),
            (rules.end_after_start, self.start_at, self.end_at),
            (rules.instant_type_known, self.type),
            (rules.instant_discount_by_type, self.type, self.discount),
            (rules.instant_max_discount_price, self.max_discount_price),
        )


class CoupangInstantCouponItem(models.Model):
    """An option (vendor item id) of an instant coupon and how its add request went."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("등록 전")
        REQUESTED = "REQUESTED", _("등록 요청됨")
        DONE = "DONE", _("등록됨")
        FAILED = "FAILED", _("등록 실패")

    coupon = models.ForeignKey(
        CoupangInstantCoupon,
        verbose_name=_("쿠폰"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    vendor_item_id = models.PositiveBigIntegerField(_("옵션 ID (vendorItemId)"))
    status = models.CharField(
        _("등록 상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_id = models.CharField(_("요청 ID"), max_length=64, blank=True)
    failure_reason = models.TextField(_("실패 사유"), blank=True)

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 즉시할인쿠폰 옵션")
        verbose_name_plural = _("쿠팡 즉시할인쿠폰 옵션")
        ordering = ["coupon", "id"]
        indexes = [
            models.Index(fields=["coupon", "status", "id"], name="coupanginstantitem_state_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "vendor_item_id"], name="coupanginstantitem_unique_per_coupon"
            ),
            models.CheckConstraint(
                condition=Q(vendor_item_id__gte=1), name="coupanginstantitem_id_positive"
            ),
            # A request id exactly while the option is requested or settled by a request.
            models.CheckConstraint(
                condition=Q(status="PENDING") | ~Q(requested_id=""),
                name="coupanginstantitem_requested_has_id",
            ),
        ]

    def __str__(self):
        return str(self.vendor_item_id)


class CoupangInstantFinding(models.Model):
    """What the last reconcile found: a coupon on Coupang that is not here, or one that differs."""

    class Kind(models.TextChoices):
        REMOTE_ONLY = "REMOTE_ONLY", _("쿠팡에만 있음")
        DIFFERS = "DIFFERS", _("내용이 다름")

    kind = models.CharField(_("종류"), max_length=20, choices=Kind.choices)
    remote_coupon_id = models.PositiveBigIntegerField(_("쿠팡 couponId"))
    coupon = models.ForeignKey(
        CoupangInstantCoupon,
        verbose_name=_("이 쪽 쿠폰"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    name = models.CharField(_("쿠팡 쿠폰명"), max_length=200, blank=True)
    remote_status = models.CharField(_("쿠팡 상태"), max_length=20, blank=True)
    # {field: [here, on Coupang]} for DIFFERS
    differences = models.JSONField(_("차이"), default=dict, blank=True)
    remote_payload = models.JSONField(_("쿠팡 내용"), default=dict, blank=True)
    found_at = models.DateTimeField(_("대조 시각"))

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("쿠팡 즉시할인쿠폰 대조 결과")
        verbose_name_plural = _("쿠팡 즉시할인쿠폰 대조 결과")
        ordering = ["kind", "-remote_coupon_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["remote_coupon_id"], name="coupanginstantfinding_one_per_id"
            ),
            models.CheckConstraint(
                condition=Q(kind="REMOTE_ONLY", coupon__isnull=True)
                | Q(kind="DIFFERS", coupon__isnull=False),
                name="coupanginstantfinding_kind_matches_coupon",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.remote_coupon_id} {self.name}"
