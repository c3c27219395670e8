"""ESM (Gmarket 후원쇼핑 / Auction 나눔쇼핑) sponsorship settings (MARKETPLACES.md, ESM).

The model keeps the `marketplaces` app label, so its table and migrations are the shared app's.
Rules: `rules.py`; the constraints use its constants.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from marketplaces.models import author_field, written_at_fields

from . import rules


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

    MIN_AMOUNT = rules.MIN_AMOUNT
    MIN_MAX_AMOUNT = rules.MIN_MAX_AMOUNT
    MAX_PRICE_RATIO_PERCENT = rules.MAX_PRICE_RATIO_PERCENT

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

    created_by = author_field(editable=False)
    created_at, updated_at = written_at_fields()

    class Meta:
        app_label = "marketplaces"
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
                condition=Q(gmkt_amount__isnull=True) | Q(gmkt_amount__gte=rules.MIN_AMOUNT),
                name="esmsponsorship_amount_gte_100",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_max_amount__isnull=True)
                | Q(gmkt_max_amount__gte=rules.MIN_MAX_AMOUNT),
                name="esmsponsorship_cap_gte_10000",
            ),
            models.CheckConstraint(
                condition=Q(gmkt_field__isnull=True)
                | Q(gmkt_field__gte=rules.MIN_FIELD, gmkt_field__lte=rules.MAX_FIELD),
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
        return rules.amount_ceiling(self.price_gmkt)

    def clean_fields(self, exclude=None):
        # The field's range is a rule (`rules.field_in_range`), refused in its words only, not
        # also as Django's invalid choice.
        super().clean_fields(exclude={*(exclude or ()), "gmkt_field"})

    def clean(self):
        """One-row rules with a message on the offending field (the 80 % rule needs ESM's price:
        `services.esm_sponsorship_check_price`)."""
        rules.sponsorship_row(self)


def _site_discount_constraints(site: str) -> list[models.CheckConstraint]:
    """What the table holds of one site's block (`site`: gmkt / iac)."""
    kind, v1, v2 = f"{site}_type", f"{site}_price_or_rate1", f"{site}_price_or_rate2"
    start, end = f"{site}_start_date", f"{site}_end_date"
    none, amount, rate = rules.TYPE_NONE, rules.TYPE_AMOUNT, rules.TYPE_RATE
    name = f"esmsellerdiscount_{site}"
    return [
        models.CheckConstraint(condition=Q(**{f"{kind}__in": [0, 1, 2]}), name=f"{name}_type"),
        models.CheckConstraint(
            condition=~Q(**{kind: none}) | Q(**{f"{v1}__isnull": True, f"{v2}__isnull": True}),
            name=f"{name}_none_has_no_values",
        ),
        models.CheckConstraint(
            condition=Q(**{kind: none})
            | Q(**{f"{v1}__isnull": False, f"{start}__isnull": False, f"{end}__isnull": False}),
            name=f"{name}_complete_when_used",
        ),
        models.CheckConstraint(
            condition=~Q(**{kind: amount})
            | (
                Q(**{f"{v1}__gte": rules.DISCOUNT_MIN_AMOUNT})
                & Q(Exact(Mod(v1, rules.DISCOUNT_AMOUNT_STEP), 0))
                & (
                    Q(**{f"{v2}__isnull": True})
                    | (
                        Q(**{f"{v2}__gte": rules.DISCOUNT_MIN_AMOUNT})
                        & Q(Exact(Mod(v2, rules.DISCOUNT_AMOUNT_STEP), 0))
                    )
                )
            ),
            name=f"{name}_amount_gte_100_step_10",
        ),
        models.CheckConstraint(
            condition=~Q(**{kind: rate})
            | (
                Q(**{f"{v1}__gte": rules.DISCOUNT_MIN_RATE, f"{v1}__lte": rules.DISCOUNT_MAX_RATE})
                & (
                    Q(**{f"{v2}__isnull": True})
                    | (
                        Q(**{f"{v2}__gte": rules.DISCOUNT_MIN_RATE})
                        & Q(LessThanOrEqual(F(v1) + F(v2), rules.DISCOUNT_MAX_RATE))
                    )
                )
            ),
            name=f"{name}_rate_1_70",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{start}__isnull": True})
            | Q(**{f"{end}__isnull": True})
            | Q(**{f"{start}__lte": F(end)}),
            name=f"{name}_start_lte_end",
        ),
    ]


class EsmSellerDiscount(models.Model):
    """One goods' ESM seller discount (판매자할인) on Gmarket and Auction, local and as ESM last
    showed it. Each site has a type (0 none, 1 fixed amount, 2 rate), one or two values and a
    period; `promotion` is the mall promotion it mirrors, if any."""

    class Type(models.IntegerChoices):
        NONE = 0, _("할인 없음")
        AMOUNT = 1, _("정액(원)")
        RATE = 2, _("정률(%)")

    LocalState = EsmSponsorship.LocalState
    RemoteState = EsmSponsorship.RemoteState

    goods_no = models.CharField(_("ESM 마스터상품번호"), max_length=20, unique=True)
    is_use = models.BooleanField(
        _("판매자할인 사용"),
        default=True,
        help_text=_("끄면 ESM에 할인을 사용하지 않음으로 보냅니다 (설정은 남습니다)."),
    )
    gmkt_type = models.PositiveSmallIntegerField(
        _("G마켓 할인 방식"), choices=Type.choices, default=Type.NONE
    )
    gmkt_price_or_rate1 = models.PositiveIntegerField(
        _("G마켓 할인값 1"),
        null=True,
        blank=True,
        help_text=_("정액: 100원 이상 10원 단위, 판매가의 70% 이하. 정률: 1~70%."),
    )
    gmkt_price_or_rate2 = models.PositiveIntegerField(
        _("G마켓 할인값 2"),
        null=True,
        blank=True,
        help_text=_("선택. 할인값 1과 같은 방식이며, 둘을 더해 70% 한도를 확인합니다."),
    )
    gmkt_start_date = models.DateField(_("G마켓 할인 시작일"), null=True, blank=True)
    gmkt_end_date = models.DateField(_("G마켓 할인 종료일"), null=True, blank=True)
    iac_type = models.PositiveSmallIntegerField(
        _("옥션 할인 방식"), choices=Type.choices, default=Type.NONE
    )
    iac_price_or_rate1 = models.PositiveIntegerField(
        _("옥션 할인값 1"),
        null=True,
        blank=True,
        help_text=_("정액: 100원 이상 10원 단위, 판매가의 70% 이하. 정률: 1~70%."),
    )
    iac_price_or_rate2 = models.PositiveIntegerField(
        _("옥션 할인값 2"),
        null=True,
        blank=True,
        help_text=_("선택. 할인값 1과 같은 방식이며, 둘을 더해 70% 한도를 확인합니다."),
    )
    iac_start_date = models.DateField(_("옥션 할인 시작일"), null=True, blank=True)
    iac_end_date = models.DateField(_("옥션 할인 종료일"), null=True, blank=True)
    promotion = models.ForeignKey(
        "coupons.Promotion",
        verbose_name=_("같은 혜택의 몰 프로모션"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="esm_seller_discounts",
    )

    # The prices the 70 % rule last used, and when ESM gave them.
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

    created_by = author_field(editable=False)
    created_at, updated_at = written_at_fields()

    class Meta:
        app_label = "marketplaces"
        verbose_name = _("ESM 판매자할인")
        verbose_name_plural = _("ESM 판매자할인")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_use=False) | ~Q(gmkt_type=0, iac_type=0),
                name="esmsellerdiscount_a_site_when_used",
                violation_error_message=_(
                    "판매자할인을 사용하면 G마켓과 옥션 중 하나 이상에 할인 방식을 고르세요."
                ),
            ),
            *(
                constraint
                for site in ("gmkt", "iac")
                for constraint in _site_discount_constraints(site)
            ),
        ]

    def __str__(self):
        return self.goods_no

    def price_of(self, site: str) -> int | None:
        """The sale price read for `site` ("gmkt" / "iac")."""
        return getattr(self, f"price_{site}")

    def ceiling_of(self, site: str) -> int | None:
        """70 % of the site's price last read (KRW, rounded down), or None before a read."""
        return rules.discount_ceiling(self.price_of(site))

    def clean(self):
        """One-row rules with a message on the offending field (the 70 % rule needs ESM's
        prices: `seller_discounts.esm_seller_discount_check_price`)."""
        rules.seller_discount_row(self)
