from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容"

    def ready(self) -> None:
        from cms import signals  # noqa: F401  (connects the receivers)

        # Text other apps send to people (the WeCom welcome message) is checked by our rules;
        # they reach the checker through the funnel's hook, never by importing cms.
        from cms.compliance.checker import blocking_problems
        from funnel.public_text import public_text_checker_register

        public_text_checker_register(blocking_problems)
