"""System checks for marketplace configuration (marketplaces.E001 ...)."""

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, register

SANDBOX_KEYS = {"sandbox-access-key", "sandbox-secret-key", "sandbox-wing"}


@register("marketplaces")
def check_coupang(app_configs=None, **kwargs):
    messages = []
    base = settings.COUPANG_BASE_URL
    if base and urlparse(base).scheme not in ("http", "https"):
        messages.append(Error("COUPANG_BASE_URL must be an http(s) URL.", id="marketplaces.E001"))
    if base:
        for name in (
            "COUPANG_VENDOR_ID",
            "COUPANG_ACCESS_KEY",
            "COUPANG_SECRET_KEY",
            "COUPANG_WING_USER_ID",
        ):
            value = getattr(settings, name, "")
            if not value or value in SANDBOX_KEYS:
                messages.append(
                    Error(
                        f"{name} must be set to the real value when COUPANG_BASE_URL points to Coupang.",
                        id="marketplaces.E002",
                    )
                )
    if settings.COUPANG_CONTRACT_ID and not str(settings.COUPANG_CONTRACT_ID).isdigit():
        messages.append(Error("COUPANG_CONTRACT_ID must be a number.", id="marketplaces.E003"))
    return messages


@register("marketplaces")
def check_http_client(app_configs=None, **kwargs):
    messages = []
    if settings.MARKETPLACE_HTTP_TIMEOUT <= 0:
        messages.append(Error("MARKETPLACE_HTTP_TIMEOUT must be positive.", id="marketplaces.E011"))
    return messages
