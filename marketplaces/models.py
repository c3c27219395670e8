"""What every marketplace shares: the HTTP exchange log (the jobs are `backoffice.jobs`').

Each marketplace's own models live in its package (`marketplaces/coupang/models.py` …) and keep
this app's label, so their tables and migrations stay `marketplaces`'."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


# --- fields every marketplace object has -----------------------------------------------------
def author_field(**options) -> models.ForeignKey:
    """Who wrote the object in the back-office (kept, as empty, when the user is deleted)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("작성자"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **options,
    )


def written_at_fields() -> tuple[models.DateTimeField, models.DateTimeField]:
    """`created_at, updated_at` of a marketplace object."""
    return (
        models.DateTimeField(_("작성 시각"), auto_now_add=True),
        models.DateTimeField(_("수정 시각"), auto_now=True),
    )


class HttpExchange(models.Model):
    """One request to a marketplace and its answer, with secrets redacted."""

    marketplace = models.CharField(_("마켓플레이스"), max_length=20)
    job = models.ForeignKey(
        "jobs.Job",
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
