from django.apps import AppConfig


class LandingConfig(AppConfig):
    name = "landing"
    verbose_name = "落地页"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished

        from funnel.models import ServicePackage
        from landing.services.cache import (
            landing_page_saved,
            page_cache_purge_on_commit,
            page_cache_purge_receiver,
        )

        # Wagtail announces publishing (admin, scheduled and programmatic) only through these
        # signals; the receiver is a one-line call of the purge service, no logic.
        page_published.connect(page_cache_purge_receiver, dispatch_uid="landing_purge_published")
        page_unpublished.connect(page_cache_purge_receiver, dispatch_uid="landing_purge_unpub")
        # A package is edited in the funnel's admin (or by a script); funnel does not know the
        # landing cache exists, so landing listens for the row change and only purges.
        post_save.connect(
            page_cache_purge_on_commit, sender=ServicePackage, dispatch_uid="landing_purge_pkg"
        )
        post_delete.connect(
            page_cache_purge_on_commit, sender=ServicePackage, dispatch_uid="landing_purge_pkg_d"
        )
        # A landing page's row written without a publish (a script or a data migration setting
        # `expire_at`, a certificate's dates): the cached copy must not outlive what the row now
        # says (round 35). Any sender: a data migration saves through its historical model.
        post_save.connect(landing_page_saved, dispatch_uid="landing_purge_page_row")
        post_delete.connect(landing_page_saved, dispatch_uid="landing_purge_page_row_d")
        # A view restriction put on (or taken off) a page: a landing page shows its doctor only
        # while the public may read her page (`DoctorPage.shown_publicly`).
        from wagtail.models import PageViewRestriction

        for signal, uid in ((post_save, "landing_purge_vr"), (post_delete, "landing_purge_vr_d")):
            signal.connect(page_cache_purge_on_commit, sender=PageViewRestriction, dispatch_uid=uid)
        # The funnel checks a consent version staff or an import name against our texts.
        from funnel.consent import consent_versions_provider_register
        from landing.selectors import consent_versions

        consent_versions_provider_register(consent_versions)

        # A 转化 article (cms) links 「在线咨询」 to one of our landing pages a patient can open.
        from cms.links import consult_url_provider_register
        from landing.selectors import consult_url_for

        consult_url_provider_register(consult_url_for)

        # A connector writing to the patient (the WeCom welcome) links the care plan through
        # the funnel: the token is ours (signed, versioned, revocable).
        from funnel.patient_links import careplan_link_provider_register
        from landing.services.careplan import careplan_link_for_lead

        careplan_link_provider_register(careplan_link_for_lead)

        from funnel.services.pii import anonymizer_register
        from landing.services.careplan import careplans_anonymize

        anonymizer_register(name="landing.careplans", wiper=careplans_anonymize)

        # A care plan belongs to one lead: its admin views and history entries are scoped
        # by the funnel's one rule (an assistant sees their own patients' only).
        from funnel.selectors import lead_owned_register
        from landing.models import CarePlan

        lead_owned_register(model=CarePlan, lead_path="lead")
