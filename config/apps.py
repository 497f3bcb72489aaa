from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Project-level commands (demo_admin) and templates live with the project package."""

    name = "config"
    label = "yinliu_config"
    verbose_name = "Yinliu"
