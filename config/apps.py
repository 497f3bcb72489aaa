from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Project-level commands (demo_admin) and templates live with the project package."""

    name = "config"
    label = "yinliu_config"
    verbose_name = "Yinliu"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the key checks)
