from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    """Project-level commands (demo_admin) and templates live with the project package."""

    name = "config"
    label = "yinliu_config"
    verbose_name = "Yinliu"

    def ready(self) -> None:
        from django.db import models
        from wagtail.admin.forms.models import register_form_field_override

        from config import checks  # noqa: F401  (registers the key checks)
        from config.admin_widgets import TypedDateInput

        # every date typed in the admin reaches the form as typed (`TypedDateInput`)
        register_form_field_override(models.DateField, override={"widget": TypedDateInput})
