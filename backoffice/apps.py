from django.apps import AppConfig

from backoffice import checks  # noqa: F401  (registers the project's system checks)


class BackofficeConfig(AppConfig):
    """The project itself as an app: its system checks (backoffice.checks). No models."""

    name = "backoffice"
    verbose_name = "Back-office"
