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
        # Text kept in the funnel that 科普 pages show (a specialty's name) passes the check
        # site names pass.
        from cms.site_forms import site_name_problems
        from funnel.public_text import science_text_checker_register

        science_text_checker_register(site_name_problems)

        # A service package is a medical ad: its publication passes our gate, its editor
        # carries the certificate fields (issue 17 review round 2, H4). Same hook pattern.
        # It also names the live ads showing a specialty's name, so funnel refuses to
        # rename a specialty under a certified ad (`funnel.ad_gate.specialty_rename_refused`).
        from cms.compliance.forms import ComplianceModelForm
        from cms.compliance.gate import is_reviewer, package_publish_check
        from cms.selectors import ads_showing_specialty
        from funnel.ad_gate import ad_gate_register

        ad_gate_register(
            publish_check=package_publish_check,
            form_class=ComplianceModelForm,
            ads_showing_specialty=lambda specialty_id: ads_showing_specialty(
                specialty_id=specialty_id
            ),
            # the reviewer may withdraw a scheduled ad's certificate (`ScheduledAdLock`)
            edits_while_scheduled=is_reviewer,
        )

        # The admin API's publish action goes through the gate too (it bypasses Page.publish).
        from cms.compliance import api_actions

        api_actions.register()

        # A crafted chooser value is a form error, not a 500 (cms/chooser_values.py).
        from cms import chooser_values

        chooser_values.install()
