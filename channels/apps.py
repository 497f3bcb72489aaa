from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "渠道"

    def ready(self) -> None:
        # React to committed funnel events through the funnel's outbox (the funnel never
        # imports the connectors).
        from channels.tasks import (
            postbacks_on_stage_task,
            postbacks_plan_task,
            wecom_stage_tags_task,
            wecom_transfers_task,
        )
        from funnel.outbox import listener_register

        # Planning first: its log rows stay whatever the sends do (the outbox undoes a failing
        # listener's writes).
        listener_register(name="channels.postbacks_plan", kinds={"stage"}, task=postbacks_plan_task)
        listener_register(name="channels.postbacks", kinds={"stage"}, task=postbacks_on_stage_task)
        # WeCom: the stage tag on the lead's contacts; a reassigned lead's customers move to
        # the new assistant (the funnel publishes reassignments, kind "assign").
        listener_register(
            name="channels.wecom_stage_tags", kinds={"stage"}, task=wecom_stage_tags_task
        )
        listener_register(
            name="channels.wecom_transfers", kinds={"assign"}, task=wecom_transfers_task
        )
        # WeCom callbacks are intake records processed by the connector, not as leads.
        from channels.wecom.services import register as wecom_register

        wecom_register()

        from channels.services.privacy import postbacks_anonymize, wecom_contacts_anonymize
        from channels.wecom.contactways import contact_ways_delete
        from funnel.services.pii import anonymizer_register

        anonymizer_register(name="channels.postbacks", wiper=postbacks_anonymize)
        anonymizer_register(name="channels.wecom_contacts", wiper=wecom_contacts_anonymize)
        anonymizer_register(name="channels.wecom_ways", wiper=contact_ways_delete)

        # A welcome record belongs to its lead: admin lists and history scope it by the
        # funnel's one rule (an assistant sees their own patients' only).
        from channels.wecom.models import WecomWelcome
        from funnel.selectors import lead_owned_register

        lead_owned_register(model=WecomWelcome, lead_path="lead")

        # Our WeCom change logs belong to a lead: scoped by the funnel's one rule.
        from channels.models import PostbackLog
        from channels.wecom.models import WecomContact, WecomTagMark, WecomTransfer

        lead_owned_register(model=WecomTagMark, lead_path="lead")
        lead_owned_register(model=WecomTransfer, lead_path="lead")
        # A patient's WeCom contacts and the postbacks naming their visit: same rule.
        lead_owned_register(model=WecomContact, lead_path="lead")
        lead_owned_register(model=PostbackLog, lead_path="lead")
