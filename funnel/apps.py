from django.apps import AppConfig


class FunnelConfig(AppConfig):
    name = "funnel"
    verbose_name = "漏斗"

    def ready(self) -> None:
        from funnel import lookups

        lookups.register()  # `field__any=[…]` (funnel.lookups)
