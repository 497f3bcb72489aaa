from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容"

    def ready(self) -> None:
        from cms import signals  # noqa: F401  (connects the receivers)
