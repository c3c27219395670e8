from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "coupons"
    verbose_name = _("쿠폰/프로모션")

    def ready(self):
        from backoffice.jobs.registry import describe, describe_codes, register

        from .compensation import (
            JOB_OPERATION,
            JOB_TARGET,
            OUTCOME_MESSAGES,
            compensation_job,
            compensation_job_failed,
        )
        from .exports import JOB_OPERATION as EXPORT_OPERATION
        from .exports import JOB_TARGET as EXPORT_TARGET
        from .exports import export_job
        from .roles import sync_role_permissions

        register(JOB_TARGET, JOB_OPERATION, compensation_job, on_failure=compensation_job_failed)
        register(EXPORT_TARGET, EXPORT_OPERATION, export_job)
        # job pages name what they run, and the refusal codes results carry (UNKNOWN_MEMBER …)
        describe(JOB_TARGET, label=_("CS 보상 발급"), operations={JOB_OPERATION: _("쿠폰 발급")})
        describe(
            EXPORT_TARGET,
            label=_("회원쿠폰 내보내기"),
            operations={EXPORT_OPERATION: _("엑셀 파일 만들기")},
        )
        describe_codes(OUTCOME_MESSAGES)

        post_migrate.connect(sync_role_permissions, sender=self, dispatch_uid="coupons.roles")
