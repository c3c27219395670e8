# Coupang instant-discount coupons (issue 16): the coupon, its options, the reconcile's findings.
import django.db.models.deletion
import django.db.models.functions.math
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coupons", "0011_promotion_limited_end_index"),
        ("marketplaces", "0004_jobs_move_to_the_job_engine"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CoupangInstantCoupon",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="45자 이내.", max_length=45, verbose_name="쿠폰명"),
                ),
                (
                    "contract_id",
                    models.PositiveBigIntegerField(
                        blank=True,
                        help_text="비우면 COUPANG_CONTRACT_ID 또는 쿠팡 계약 목록의 NON_CONTRACT_BASED 계약을 씁니다.",
                        null=True,
                        verbose_name="계약 ID",
                    ),
                ),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("RATE", "정률 (RATE)"),
                            ("PRICE", "정액 (PRICE)"),
                            ("FIXED_WITH_QUANTITY", "수량별 정액 (FIXED_WITH_QUANTITY)"),
                        ],
                        max_length=20,
                        verbose_name="할인 유형",
                    ),
                ),
                (
                    "discount",
                    models.PositiveIntegerField(
                        help_text="정률은 1~99(%), 정액은 10원 이상 10원 단위.",
                        verbose_name="할인율/할인 금액",
                    ),
                ),
                (
                    "max_discount_price",
                    models.PositiveIntegerField(
                        help_text="10원 이상.", verbose_name="최대 할인 금액"
                    ),
                ),
                (
                    "start_at",
                    models.DateTimeField(help_text="한국 시간.", verbose_name="시작 일시"),
                ),
                ("end_at", models.DateTimeField(verbose_name="종료 일시")),
                (
                    "wow_exclusive",
                    models.BooleanField(default=False, verbose_name="와우 회원 전용"),
                ),
                (
                    "local_status",
                    models.CharField(
                        choices=[
                            ("DRAFT", "작성 중"),
                            ("QUEUED", "전송 중"),
                            ("PUSHED", "쿠팡 반영됨"),
                            ("FAILED", "실패"),
                            ("EXPIRING", "만료 요청됨"),
                            ("EXPIRED", "만료됨"),
                        ],
                        default="DRAFT",
                        max_length=20,
                        verbose_name="처리 상태",
                    ),
                ),
                (
                    "remote_status",
                    models.CharField(blank=True, max_length=20, verbose_name="쿠팡 상태"),
                ),
                (
                    "coupon_id",
                    models.PositiveBigIntegerField(
                        blank=True, null=True, unique=True, verbose_name="쿠팡 couponId"
                    ),
                ),
                ("last_error", models.TextField(blank=True, verbose_name="마지막 오류")),
                (
                    "remote_payload",
                    models.JSONField(blank=True, default=dict, verbose_name="마지막 수신 내용"),
                ),
                (
                    "remote_synced_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="마지막 수신 시각"),
                ),
                (
                    "create_attempted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="생성 요청 시각"),
                ),
                (
                    "create_request",
                    models.JSONField(blank=True, default=dict, verbose_name="생성 요청 내용"),
                ),
                (
                    "create_requested_id",
                    models.CharField(blank=True, max_length=64, verbose_name="생성 요청 ID"),
                ),
                (
                    "items_requested_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="옵션 등록 요청 시각"),
                ),
                (
                    "expire_requested_id",
                    models.CharField(blank=True, max_length=64, verbose_name="만료 요청 ID"),
                ),
                (
                    "expire_attempted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="만료 요청 시각"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="작성 시각")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="수정 시각")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
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
                        related_name="coupang_instant_coupons",
                        to="coupons.promotion",
                        verbose_name="연결된 프로모션",
                    ),
                ),
            ],
            options={
                "verbose_name": "쿠팡 즉시할인쿠폰",
                "verbose_name_plural": "쿠팡 즉시할인쿠폰",
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="CoupangInstantCouponItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "vendor_item_id",
                    models.PositiveBigIntegerField(verbose_name="옵션 ID (vendorItemId)"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("PENDING", "등록 전"),
                            ("REQUESTED", "등록 요청됨"),
                            ("DONE", "등록됨"),
                            ("FAILED", "등록 실패"),
                        ],
                        default="PENDING",
                        max_length=10,
                        verbose_name="등록 상태",
                    ),
                ),
                (
                    "requested_id",
                    models.CharField(blank=True, max_length=64, verbose_name="요청 ID"),
                ),
                ("failure_reason", models.TextField(blank=True, verbose_name="실패 사유")),
                (
                    "coupon",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="marketplaces.coupanginstantcoupon",
                        verbose_name="쿠폰",
                    ),
                ),
            ],
            options={
                "verbose_name": "쿠팡 즉시할인쿠폰 옵션",
                "verbose_name_plural": "쿠팡 즉시할인쿠폰 옵션",
                "ordering": ["coupon", "id"],
            },
        ),
        migrations.CreateModel(
            name="CoupangInstantFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("REMOTE_ONLY", "쿠팡에만 있음"), ("DIFFERS", "내용이 다름")],
                        max_length=20,
                        verbose_name="종류",
                    ),
                ),
                ("remote_coupon_id", models.PositiveBigIntegerField(verbose_name="쿠팡 couponId")),
                ("name", models.CharField(blank=True, max_length=200, verbose_name="쿠팡 쿠폰명")),
                (
                    "remote_status",
                    models.CharField(blank=True, max_length=20, verbose_name="쿠팡 상태"),
                ),
                ("differences", models.JSONField(blank=True, default=dict, verbose_name="차이")),
                (
                    "remote_payload",
                    models.JSONField(blank=True, default=dict, verbose_name="쿠팡 내용"),
                ),
                ("found_at", models.DateTimeField(verbose_name="대조 시각")),
                (
                    "coupon",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="findings",
                        to="marketplaces.coupanginstantcoupon",
                        verbose_name="이 쪽 쿠폰",
                    ),
                ),
            ],
            options={
                "verbose_name": "쿠팡 즉시할인쿠폰 대조 결과",
                "verbose_name_plural": "쿠팡 즉시할인쿠폰 대조 결과",
                "ordering": ["kind", "-remote_coupon_id"],
            },
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=models.Q(("end_at__gt", models.F("start_at"))),
                name="coupanginstant_end_after_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", ""), _negated=True), name="coupanginstant_name_present"
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("name"), 45
                ),
                name="coupanginstant_name_max_45",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=models.Q(("type__in", ("RATE", "PRICE", "FIXED_WITH_QUANTITY"))),
                name="coupanginstant_type_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_discount_price__gte", 10)),
                name="coupanginstant_max_discount_gte_10",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcoupon",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("discount__gte", 1), ("discount__lte", 99), ("type", "RATE")),
                    models.Q(
                        models.Q(("type", "RATE"), _negated=True),
                        ("discount__gte", 10),
                        django.db.models.lookups.Exact(
                            django.db.models.functions.math.Mod("discount", 10), 0
                        ),
                    ),
                    _connector="OR",
                ),
                name="coupanginstant_discount_by_type",
            ),
        ),
        migrations.AddIndex(
            model_name="coupanginstantcouponitem",
            index=models.Index(
                fields=["coupon", "status", "id"], name="coupanginstantitem_state_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcouponitem",
            constraint=models.UniqueConstraint(
                fields=("coupon", "vendor_item_id"), name="coupanginstantitem_unique_per_coupon"
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcouponitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("vendor_item_id__gte", 1)),
                name="coupanginstantitem_id_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantcouponitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "PENDING"),
                    models.Q(("requested_id", ""), _negated=True),
                    _connector="OR",
                ),
                name="coupanginstantitem_requested_has_id",
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantfinding",
            constraint=models.UniqueConstraint(
                fields=("remote_coupon_id",), name="coupanginstantfinding_one_per_id"
            ),
        ),
        migrations.AddConstraint(
            model_name="coupanginstantfinding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("coupon__isnull", True), ("kind", "REMOTE_ONLY")),
                    models.Q(("coupon__isnull", False), ("kind", "DIFFERS")),
                    _connector="OR",
                ),
                name="coupanginstantfinding_kind_matches_coupon",
            ),
        ),
    ]
