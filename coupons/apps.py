from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "coupons"
    verbose_name = _("쿠폰/프로모션")

    def ready(self):
        from backoffice.jobs.registry import register

        from .compensation import (
            JOB_OPERATION,
            JOB_TARGET,
            compensation_job,
            compensation_job_failed,
        )
        from .exports import JOB_OPERATION as EXPORT_OPERATION
        from .exports import JOB_TARGET as EXPORT_TARGET
        from .exports import export_job
        from .roles import sync_role_permissions

        register(JOB_TARGET, JOB_OPERATION, compensation_job, on_failure=compensation_job_failed)
        register(EXPORT_TARGET, EXPORT_OPERATION, export_job)

        post_migrate.connect(sync_role_permissions, sender=self, dispatch_uid="coupons.roles")
