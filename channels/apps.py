from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "渠道"

    def ready(self) -> None:
        # React to committed funnel events through the funnel's outbox (the funnel never
        # imports the connectors).
        from channels.tasks import postbacks_on_stage_task
        from funnel.outbox import listener_register

        listener_register(name="channels.postbacks", kinds={"stage"}, task=postbacks_on_stage_task)
