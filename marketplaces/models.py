"""Marketplace sync: the job engine's rows, the HTTP log, and each marketplace's objects."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _


# --- sync engine (shared by every marketplace) -------------------------------------------------
class SyncJob(models.Model):
    """One durable unit of marketplace work, written in the same transaction as the request."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("대기")
        RUNNING = "RUNNING", _("실행 중")
        SUCCEEDED = "SUCCEEDED", _("성공")
        FAILED = "FAILED", _("실패")
        DEAD = "DEAD", _("중단 (재시도 소진)")

    OPEN_STATUSES = (Status.PENDING, Status.RUNNING)

    target_type = models.CharField(
        _("대상 종류"), max_length=40
    )  # "coupang.coupon", "esm.sponsorship"
    target_id = models.CharField(_("대상 ID"), max_length=64)
    operation = models.CharField(_("작업"), max_length=40)
    payload = models.JSONField(_("요청 내용"), default=dict, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("시도 횟수"), default=0)
    max_attempts = models.PositiveIntegerField(_("최대 시도 횟수"), default=5)
    next_attempt_at = models.DateTimeField(_("다음 시도"), null=True, blank=True)
    locked_at = models.DateTimeField(_("실행 시작"), null=True, blank=True)
    locked_by = models.CharField(_("실행자"), max_length=120, blank=True)
    last_error = models.TextField(_("마지막 오류"), blank=True)
    result = models.JSONField(_("결과"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("처리 건수"), default=0)
    progress_total = models.PositiveIntegerField(_("전체 건수"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("요청자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("요청 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)
    finished_at = models.DateTimeField(_("종료 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("동기화 작업")
        verbose_name_plural = _("동기화 작업")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="syncjob_due_idx"),
            models.Index(fields=["target_type", "target_id"], name="syncjob_target_idx"),
        ]
        constraints = [
            # One open job per target: a second push while one runs is refused, not queued twice.
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(status__in=["PENDING", "RUNNING"]),
                name="syncjob_one_open_per_target",
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1), name="syncjob_max_attempts_gte_1"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.target_type}:{self.target_id} {self.operation} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class HttpExchange(models.Model):
    """One request to a marketplace and its answer, with secrets redacted."""

    marketplace = models.CharField(_("마켓플레이스"), max_length=20)
    job = models.ForeignKey(
        SyncJob,
        verbose_name=_("작업"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchanges",
    )
    target_type = models.CharField(_("대상 종류"), max_length=40, blank=True)
    target_id = models.CharField(_("대상 ID"), max_length=64, blank=True)
    method = models.CharField(_("메서드"), max_length=10)
    path = models.CharField(_("경로"), max_length=500)
    query = models.TextField(_("쿼리"), blank=True)
    request_headers = models.JSONField(_("요청 헤더"), default=dict, blank=True)
    request_body = models.TextField(_("요청 본문"), blank=True)
    status_code = models.PositiveSmallIntegerField(_("응답 코드"), null=True, blank=True)
    response_body = models.TextField(_("응답 본문"), blank=True)
    duration_ms = models.PositiveIntegerField(_("소요(ms)"), default=0)
    error = models.TextField(_("오류"), blank=True)
    created_at = models.DateTimeField(_("시각"), auto_now_add=True)

    class Meta:
        verbose_name = _("HTTP 기록")
        verbose_name_plural = _("HTTP 기록")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="httpexchange_target_idx"
            )
        ]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status_code or self.error[:40]}"


# --- Coupang downloadable coupons (MARKETPLACES.md) -------------------------------------------
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

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("작성자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("작성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
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
        errors = {}
        if self.title is not None and not self.title.strip():
            errors["title"] = _("쿠폰명을 입력하세요.")
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            errors["end_at"] = _("종료 일시는 시작 일시 이후여야 합니다.")
        if errors:
            raise ValidationError(errors)


class CoupangCouponPolicy(models.Model):
    """One of a coupon's 1–3 tiers (e.g. 1,000 KRW off 10,000 KRW)."""

    class Discount(models.TextChoices):
        PRICE = "PRICE", _("정액 (PRICE)")
        RATE = "RATE", _("정률 (RATE)")

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
        verbose_name = _("쿠팡 쿠폰 정책")
        verbose_name_plural = _("쿠팡 쿠폰 정책")
        ordering = ["coupon", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(maximum_per_daily__gte=1, maximum_per_daily__lte=9999),
                name="coupangpolicy_per_daily_1_9999",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=1), name="coupangpolicy_discount_positive"
            ),
            models.CheckConstraint(
                condition=Exact(Mod("minimum_price", 10), 0), name="coupangpolicy_min_price_10_won"
            ),
            models.CheckConstraint(
                condition=Q(type_of_discount="PRICE")
                | Q(
                    discount__lte=99,
                    maximum_discount_price__isnull=False,
                    maximum_discount_price__gte=10,
                ),
                name="coupangpolicy_rate_1_99_with_cap_v2",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.title is not None and not self.title.strip():
            errors["title"] = _("정책명을 입력하세요.")
        if self.minimum_price is not None and self.minimum_price % 10:
            errors["minimum_price"] = _("최소 주문 금액은 10원 단위로 입력하세요.")
        if self.type_of_discount == self.Discount.PRICE and self.discount is not None:
            if self.discount < 10 or self.discount % 10:
                errors["discount"] = _("정액 할인은 10원 이상, 10원 단위로 입력하세요.")
        if self.type_of_discount == self.Discount.RATE:
            if self.discount is not None and not 1 <= self.discount <= 99:
                errors["discount"] = _("정률 할인은 1~99% 사이의 정수로 입력하세요.")
            cap = self.maximum_discount_price
            if cap is None:
                errors["maximum_discount_price"] = _("정률 할인은 최대 할인 금액이 필요합니다.")
            elif cap < 10 or cap % 10:
                errors["maximum_discount_price"] = _(
                    "최대 할인 금액은 10원 이상, 10원 단위로 입력하세요."
                )
        if self.maximum_per_daily is not None and not 1 <= self.maximum_per_daily <= 9999:
            errors["maximum_per_daily"] = _("1인 1일 최대 발급 수는 1~9999 사이로 입력하세요.")
        if errors:
            raise ValidationError(errors)


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


# --- ESM (Gmarket / Auction) sponsorship settings (MARKETPLACES.md, ESM) ------------------------
class EsmSponsorship(models.Model):
    """One goods' Gmarket 후원쇼핑 and Auction 나눔쇼핑 settings, local and as ESM last showed them."""

    class Field(models.IntegerChoices):
        CHILD_WELFARE = 1, _("아동복지")
        WOMEN_RIGHTS = 2, _("여성권익")
        ENVIRONMENT = 3, _("환경보호")
        INTERNATIONAL_RELIEF = 4, _("국제구호")
        CONSUMER_RIGHTS = 5, _("소비자권익")
        OTHER = 6, _("기타")

    class LocalState(models.TextChoices):
        DRAFT = "DRAFT", _("전송 전")
        QUEUED = "QUEUED", _("전송 중")
        SYNCED = "SYNCED", _("ESM 반영됨")
        RELEASING = "RELEASING", _("해제 요청됨")
        RELEASED = "RELEASED", _("해제됨")
        FAILED = "FAILED", _("실패")

    class RemoteState(models.TextChoices):
        NOT_REGISTERED = "NOT_REGISTERED", _("미등록")
        REGISTERED = "REGISTERED", _("등록됨")
        UNKNOWN = "UNKNOWN", _("확인 필요")

    MIN_AMOUNT = 100
    MIN_MAX_AMOUNT = 10_000
    MAX_PRICE_RATIO_PERCENT = 80

    goods_no = models.CharField(_("ESM 마스터상품번호"), max_length=20, unique=True)
    gmkt_is_use = models.BooleanField(_("G마켓 후원쇼핑 사용"), default=False)
    gmkt_amount = models.PositiveIntegerField(
        _("후원금액(원)"),
        null=True,
        blank=True,
        help_text=_("100원 이상, G마켓 판매가의 80% 이하."),
    )
    gmkt_max_amount = models.PositiveBigIntegerField(
        _("누적적립한도액(원)"), null=True, blank=True, help_text=_("10,000원 이상.")
    )
    gmkt_field = models.PositiveSmallIntegerField(
        _("후원분야"), choices=Field.choices, null=True, blank=True
    )
    gmkt_start_date = models.DateField(_("후원 시작일"), null=True, blank=True)
    gmkt_end_date = models.DateField(_("후원 종료일"), null=True, blank=True)
    iac_is_use = models.BooleanField(
        _("옥션 나눔쇼핑 사용"),
        default=False,
        help_text=_("판매수량당 50원(VAT 제외)이 옥션 명의로 기부됩니다."),
    )
    iac_start_date = models.DateField(_("나눔 시작일"), null=True, blank=True)
    iac_end_date = models.DateField(_("나눔 종료일"), null=True, blank=True)

    # The price the 80 % rule last used, and when ESM gave it.
    price_gmkt = models.PositiveBigIntegerField(
        _("G마켓 판매가(원)"), null=True, blank=True, editable=False
    )
    price_iac = models.PositiveBigIntegerField(
        _("옥션 판매가(원)"), null=True, blank=True, editable=False
    )
    price_read_at = models.DateTimeField(
        _("판매가 조회 시각"), null=True, blank=True, editable=False
    )

    local_state = models.CharField(
        _("처리 상태"),
        max_length=10,
        choices=LocalState.choices,
        default=LocalState.DRAFT,
        editable=False,
    )
    remote_state = models.CharField(
        _("ESM 상태"),
        max_length=15,
        choices=RemoteState.choices,
        default=RemoteState.NOT_REGISTERED,
        editable=False,
    )
    remote_payload = models.JSONField(
        _("ESM 마지막 조회 내용"), default=dict, blank=True, editable=False
    )
    remote_read_at = models.DateTimeField(
        _("ESM 마지막 조회 시각"), null=True, blank=True, editable=False
    )
    pushed_payload = models.JSONField(
        _("마지막 전송 내용"), default=dict, blank=True, editable=False
    )
    pushed_at = models.DateTimeField(_("마지막 전송 시각"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("마지막 오류"), blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("작성자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("작성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("ESM 후원/나눔쇼핑")
        verbose_name_plural = _("ESM 후원/나눔쇼핑")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gmkt_is_use=True) | Q(iac_is_use=True),
                name="esmsponsorship_something_in_use",
                violation_error_message=_(
                    "G마켓 후원쇼핑과 옥션 나눔쇼핑 중 하나 이상을 사용하세요."
                ),
            ),
            models.CheckConstraint(
                condition=Q(gmkt_amount__isnull=True) | Q(gmkt_amount__gte=100),
                name="esmsponsorship_amount_gte_100",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_max_amount__isnull=True) | Q(gmkt_max_amount__gte=10_000),
                name="esmsponsorship_cap_gte_10000",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_field__isnull=True) | Q(gmkt_field__gte=1, gmkt_field__lte=6),
                name="esmsponsorship_field_1_6",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_start_date__isnull=True)
                | Q(gmkt_end_date__isnull=True)
                | Q(gmkt_start_date__lte=F("gmkt_end_date")),
                name="esmsponsorship_gmkt_start_lte_end",
            ),
            models.CheckConstraint(
                condition=Q(iac_start_date__isnull=True)
                | Q(iac_end_date__isnull=True)
                | Q(iac_start_date__lte=F("iac_end_date")),
                name="esmsponsorship_iac_start_lte_end",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_is_use=False)
                | Q(
                    gmkt_amount__isnull=False,
                    gmkt_max_amount__isnull=False,
                    gmkt_field__isnull=False,
                    gmkt_start_date__isnull=False,
                    gmkt_end_date__isnull=False,
                ),
                name="esmsponsorship_gmkt_complete_when_used",
            ),
            models.CheckConstraint(
                condition=Q(iac_is_use=False)
                | Q(iac_start_date__isnull=False, iac_end_date__isnull=False),
                name="esmsponsorship_iac_complete_when_used",
            ),
        ]

    def __str__(self):
        return self.goods_no

    @property
    def amount_ceiling(self) -> int | None:
        """80 % of the Gmarket price last read (KRW, rounded down), or None before a read."""
        if self.price_gmkt is None:
            return None
        return self.price_gmkt * self.MAX_PRICE_RATIO_PERCENT // 100

    def clean(self):
        """One-row rules with a message on the offending field (the 80 % rule needs ESM's price:
        `esm_services.esm_sponsorship_check_price`)."""
        errors: dict[str, list] = {}

        def add(name, message):
            errors.setdefault(name, []).append(message)

        goods_no = self.goods_no or ""
        if goods_no and not (goods_no.isascii() and goods_no.isdigit() and goods_no[0] != "0"):
            add("goods_no", _("상품번호는 0으로 시작하지 않는 숫자여야 합니다."))
        if self.gmkt_is_use:
            required = {
                "gmkt_amount": _("후원금액을 입력하세요."),
                "gmkt_max_amount": _("누적적립한도액을 입력하세요."),
                "gmkt_field": _("후원분야를 선택하세요."),
                "gmkt_start_date": _("후원 시작일을 입력하세요."),
                "gmkt_end_date": _("후원 종료일을 입력하세요."),
            }
            for name, message in required.items():
                if getattr(self, name) is None:
                    add(name, message)
        if self.iac_is_use:
            if self.iac_start_date is None:
                add("iac_start_date", _("나눔 시작일을 입력하세요."))
            if self.iac_end_date is None:
                add("iac_end_date", _("나눔 종료일을 입력하세요."))
        if self.gmkt_amount is not None and self.gmkt_amount < self.MIN_AMOUNT:
            add("gmkt_amount", _("후원금액은 100원 이상이어야 합니다."))
        if self.gmkt_max_amount is not None and self.gmkt_max_amount < self.MIN_MAX_AMOUNT:
            add("gmkt_max_amount", _("누적적립한도액은 10,000원 이상이어야 합니다."))
        if self.gmkt_field is not None and not 1 <= self.gmkt_field <= 6:
            add("gmkt_field", _("후원분야는 1~6 중 하나여야 합니다."))
        if (
            self.gmkt_start_date
            and self.gmkt_end_date
            and self.gmkt_start_date > self.gmkt_end_date
        ):
            add("gmkt_end_date", _("후원 종료일은 시작일과 같거나 이후여야 합니다."))
        if self.iac_start_date and self.iac_end_date and self.iac_start_date > self.iac_end_date:
            add("iac_end_date", _("나눔 종료일은 시작일과 같거나 이후여야 합니다."))
        if errors:
            raise ValidationError(errors)
