"""The job row: one durable unit of long or remote work, written in the requester's transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import registry


class Job(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("대기")
        RUNNING = "RUNNING", _("실행 중")
        SUCCEEDED = "SUCCEEDED", _("성공")
        FAILED = "FAILED", _("실패")
        DEAD = "DEAD", _("중단 (재시도 소진)")

    OPEN_STATUSES = (Status.PENDING, Status.RUNNING)

    # What the job works on, e.g. ("coupang.coupon", "17") or ("coupons.compensation_run", "5").
    target_type = models.CharField(_("대상 종류"), max_length=40)
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
        verbose_name = _("작업")
        verbose_name_plural = _("작업")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="job_due_idx"),
            models.Index(fields=["target_type", "target_id"], name="job_target_idx"),
        ]
        constraints = [
            # One open job per target: a second request while one runs is refused, not queued.
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(status__in=["PENDING", "RUNNING"]),
                name="job_one_open_per_target",
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="job_max_attempts_gte_1"),
        ]

    def __str__(self):
        return gettext("작업 #%(id)s %(title)s (%(status)s)") % {
            "id": self.pk,
            "title": self.title,
            "status": self.get_status_display(),
        }

    @property
    def operation_label(self) -> str:
        """What the job does, in the user's language ("쿠팡에 등록")."""
        return registry.operation_label(self.target_type, self.operation)

    @property
    def target_label(self) -> str:
        """What the job works on, in the user's language ("쿠팡 다운로드 쿠폰 #2")."""
        return f"{registry.target_label(self.target_type)} #{self.target_id}"

    @property
    def title(self) -> str:
        """The job as a person reads it: "쿠팡에 등록 · 쿠팡 다운로드 쿠폰 #2"."""
        return f"{self.operation_label} · {self.target_label}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def percent(self) -> int | None:
        """Progress in percent, or None when the job reports none."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
