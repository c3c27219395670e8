"""What every marketplace shares: the sync engine's job rows and the HTTP exchange log.

Each marketplace's own models live in its package (`marketplaces/coupang/models.py` …) and keep
this app's label, so their tables and migrations stay `marketplaces`'."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
