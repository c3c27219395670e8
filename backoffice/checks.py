"""The project's own system checks (backoffice.E…), registered by backoffice.apps."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    """backoffice.E001: with DEBUG off, production sets SECRET_KEY in the environment — the key
    kept in var/ is for one machine, and every process of every machine must share one key."""
    if settings.DEBUG or settings.SECRET_KEY_FROM_ENVIRONMENT:
        return []
    return [
        Error(
            "SECRET_KEY is not set in the environment while DEBUG is off.",
            hint="Set SECRET_KEY (the same value for every process of every machine); the key "
            "generated in var/secret_key only serves the processes of one machine.",
            id="backoffice.E001",
        )
    ]
