# ESM seller discounts (판매자할인, issue 16): one row per goods, Gmarket and Auction blocks.

import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.math
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coupons", "0011_promotion_limited_end_index"),
        ("marketplaces", "0005_coupang_instant_coupons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EsmSellerDiscount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "goods_no",
                    models.CharField(max_length=20, unique=True, verbose_name="ESM 마스터상품번호"),
                ),
                (
                    "is_use",
                    models.BooleanField(
                        default=True,
                        help_text="끄면 ESM에 할인을 사용하지 않음으로 보냅니다 (설정은 남습니다).",
                        verbose_name="판매자할인 사용",
                    ),
                ),
                (
                    "gmkt_type",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "할인 없음"), (1, "정액(원)"), (2, "정률(%)")],
                        default=0,
                        verbose_name="G마켓 할인 방식",
                    ),
                ),
                (
                    "gmkt_price_or_rate1",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="정액: 100원 이상 10원 단위, 판매가의 70% 이하. 정률: 1~70%.",
                        null=True,
                        verbose_name="G마켓 할인값 1",
                    ),
                ),
                (
                    "gmkt_price_or_rate2",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="선택. 할인값 1과 같은 방식이며, 둘을 더해 70% 한도를 확인합니다.",
                        null=True,
                        verbose_name="G마켓 할인값 2",
                    ),
                ),
                (
                    "gmkt_start_date",
                    models.DateField(blank=True, null=True, verbose_name="G마켓 할인 시작일"),
                ),
                (
                    "gmkt_end_date",
                    models.DateField(blank=True, null=True, verbose_name="G마켓 할인 종료일"),
                ),
                (
                    "iac_type",
                    models.PositiveSmallIntegerField(
                        choices=[(0, "할인 없음"), (1, "정액(원)"), (2, "정률(%)")],
                        default=0,
                        verbose_name="옥션 할인 방식",
                    ),
                ),
                (
                    "iac_price_or_rate1",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="정액: 100원 이상 10원 단위, 판매가의 70% 이하. 정률: 1~70%.",
                        null=True,
                        verbose_name="옥션 할인값 1",
                    ),
                ),
                (
                    "iac_price_or_rate2",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="선택. 할인값 1과 같은 방식이며, 둘을 더해 70% 한도를 확인합니다.",
                        null=True,
                        verbose_name="옥션 할인값 2",
                    ),
                ),
                (
                    "iac_start_date",
                    models.DateField(blank=True, null=True, verbose_name="옥션 할인 시작일"),
                ),
                (
                    "iac_end_date",
                    models.DateField(blank=True, null=True, verbose_name="옥션 할인 종료일"),
                ),
                (
                    "price_gmkt",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="G마켓 판매가(원)"
                    ),
                ),
                (
                    "price_iac",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="옥션 판매가(원)"
                    ),
                ),
                (
                    "price_read_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="판매가 조회 시각"
                    ),
                ),
                (
                    "local_state",
                    models.CharField(
                        choices=[
                            ("DRAFT", "전송 전"),
                            ("QUEUED", "전송 중"),
                            ("SYNCED", "ESM 반영됨"),
                            ("RELEASING", "해제 요청됨"),
                            ("RELEASED", "해제됨"),
                            ("FAILED", "실패"),
                        ],
                        default="DRAFT",
                        editable=False,
                        max_length=10,
                        verbose_name="처리 상태",
                    ),
                ),
                (
                    "remote_state",
                    models.CharField(
                        choices=[
                            ("NOT_REGISTERED", "미등록"),
                            ("REGISTERED", "등록됨"),
                            ("UNKNOWN", "확인 필요"),
                        ],
                        default="NOT_REGISTERED",
                        editable=False,
                        max_length=15,
                        verbose_name="ESM 상태",
                    ),
                ),
                (
                    "remote_payload",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        verbose_name="ESM 마지막 조회 내용",
                    ),
                ),
                (
                    "remote_read_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="ESM 마지막 조회 시각"
                    ),
                ),
                (
                    "pushed_payload",
                    models.JSONField(
                        blank=True, default=dict, editable=False, verbose_name="마지막 전송 내용"
                    ),
                ),
                (
                    "pushed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="마지막 전송 시각"
                    ),
                ),
                (
                    "last_error",
                    models.TextField(blank=True, editable=False, verbose_name="마지막 오류"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="작성 시각")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="수정 시각")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="작성자",
                    ),
                ),
                (
                    "promotion",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="esm_seller_discounts",
                        to="coupons.promotion",
                        verbose_name="같은 혜택의 몰 프로모션",
                    ),
                ),
            ],
            options={
                "verbose_name": "ESM 판매자할인",
                "verbose_name_plural": "ESM 판매자할인",
                "ordering": ["-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_use", False),
                            models.Q(("gmkt_type", 0), ("iac_type", 0), _negated=True),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_a_site_when_used",
                        violation_error_message="판매자할인을 사용하면 G마켓과 옥션 중 하나 이상에 할인 방식을 고르세요.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("gmkt_type__in", [0, 1, 2])),
                        name="esmsellerdiscount_gmkt_type",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("gmkt_type", 0), _negated=True),
                            models.Q(
                                ("gmkt_price_or_rate1__isnull", True),
                                ("gmkt_price_or_rate2__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_gmkt_none_has_no_values",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("gmkt_type", 0),
                            models.Q(
                                ("gmkt_end_date__isnull", False),
                                ("gmkt_price_or_rate1__isnull", False),
                                ("gmkt_start_date__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_gmkt_complete_when_used",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("gmkt_type", 1), _negated=True),
                            models.Q(
                                ("gmkt_price_or_rate1__gte", 100),
                                django.db.models.lookups.Exact(
                                    django.db.models.functions.math.Mod("gmkt_price_or_rate1", 10),
                                    0,
                                ),
                                models.Q(
                                    ("gmkt_price_or_rate2__isnull", True),
                                    models.Q(
                                        ("gmkt_price_or_rate2__gte", 100),
                                        django.db.models.lookups.Exact(
                                            django.db.models.functions.math.Mod(
                                                "gmkt_price_or_rate2", 10
                                            ),
                                            0,
                                        ),
                                    ),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_gmkt_amount_gte_100_step_10",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("gmkt_type", 2), _negated=True),
                            models.Q(
                                ("gmkt_price_or_rate1__gte", 1),
                                ("gmkt_price_or_rate1__lte", 70),
                                models.Q(
                                    ("gmkt_price_or_rate2__isnull", True),
                                    models.Q(
                                        ("gmkt_price_or_rate2__gte", 1),
                                        django.db.models.lookups.LessThanOrEqual(
                                            django.db.models.expressions.CombinedExpression(
                                                models.F("gmkt_price_or_rate1"),
                                                "+",
                                                models.F("gmkt_price_or_rate2"),
                                            ),
                                            70,
                                        ),
                                    ),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_gmkt_rate_1_70",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("gmkt_start_date__isnull", True),
                            ("gmkt_end_date__isnull", True),
                            ("gmkt_start_date__lte", models.F("gmkt_end_date")),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_gmkt_start_lte_end",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("iac_type__in", [0, 1, 2])),
                        name="esmsellerdiscount_iac_type",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("iac_type", 0), _negated=True),
                            models.Q(
                                ("iac_price_or_rate1__isnull", True),
                                ("iac_price_or_rate2__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_iac_none_has_no_values",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("iac_type", 0),
                            models.Q(
                                ("iac_end_date__isnull", False),
                                ("iac_price_or_rate1__isnull", False),
                                ("iac_start_date__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_iac_complete_when_used",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("iac_type", 1), _negated=True),
                            models.Q(
                                ("iac_price_or_rate1__gte", 100),
                                django.db.models.lookups.Exact(
                                    django.db.models.functions.math.Mod("iac_price_or_rate1", 10), 0
                                ),
                                models.Q(
                                    ("iac_price_or_rate2__isnull", True),
                                    models.Q(
                                        ("iac_price_or_rate2__gte", 100),
                                        django.db.models.lookups.Exact(
                                            django.db.models.functions.math.Mod(
                                                "iac_price_or_rate2", 10
                                            ),
                                            0,
                                        ),
                                    ),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_iac_amount_gte_100_step_10",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("iac_type", 2), _negated=True),
                            models.Q(
                                ("iac_price_or_rate1__gte", 1),
                                ("iac_price_or_rate1__lte", 70),
                                models.Q(
                                    ("iac_price_or_rate2__isnull", True),
                                    models.Q(
                                        ("iac_price_or_rate2__gte", 1),
                                        django.db.models.lookups.LessThanOrEqual(
                                            django.db.models.expressions.CombinedExpression(
                                                models.F("iac_price_or_rate1"),
                                                "+",
                                                models.F("iac_price_or_rate2"),
                                            ),
                                            70,
                                        ),
                                    ),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_iac_rate_1_70",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("iac_start_date__isnull", True),
                            ("iac_end_date__isnull", True),
                            ("iac_start_date__lte", models.F("iac_end_date")),
                            _connector="OR",
                        ),
                        name="esmsellerdiscount_iac_start_lte_end",
                    ),
                ],
            },
        ),
    ]
