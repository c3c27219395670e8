"""One audit row per write: who, when, what (old → new per field) and through which door."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import context


class AuditEntry(models.Model):
    class Door(models.TextChoices):
        ADMIN = context.ADMIN, _("관리자 화면")
        API = context.API, _("API")
        COMMAND = context.COMMAND, _("명령")
        JOB = context.JOB, _("작업")

    at = models.DateTimeField(_("일시"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("사용자"),
        db_index=False,
    )
    door = models.CharField(_("경로"), max_length=10, choices=Door.choices)
    action = models.CharField(_("작업"), max_length=40)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("대상 유형")
    )
    object_id = models.CharField(_("대상 ID"), max_length=64)
    object_repr = models.CharField(_("대상"), max_length=200, blank=True)
    # {field: [old, new]}; a bulk operation's counts and scope go to `extra`
    changes = models.JSONField(_("변경 내용"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    extra = models.JSONField(_("부가 정보"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("감사 기록")
        verbose_name_plural = _("감사 기록")
        ordering = ["-at", "-id"]
        indexes = [
            # an object's history, newest first
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(
                fields=["user", "-at"],
                condition=models.Q(user__isnull=False),
                name="audit_user_idx",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"
