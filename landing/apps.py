from django.apps import AppConfig


class LandingConfig(AppConfig):
    name = "landing"
    verbose_name = "落地页"

    def ready(self) -> None:
        from wagtail.signals import page_published, page_unpublished

        from landing.services.cache import page_cache_purge_receiver

        # Wagtail announces publishing (admin, scheduled and programmatic) only through these
        # signals; the receiver is a one-line call of the purge service, no logic.
        page_published.connect(page_cache_purge_receiver, dispatch_uid="landing_purge_published")
        page_unpublished.connect(page_cache_purge_receiver, dispatch_uid="landing_purge_unpub")
