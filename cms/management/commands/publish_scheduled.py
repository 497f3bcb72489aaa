"""Wagtail's `publish_scheduled`, with the compliance gate: a scheduled revision the gate now
refuses (a certificate expired between approval and go-live, text changed) is taken off the
schedule, its result stored and logged, and every other scheduled revision is published
(review of issue 17: one refused revision crashed the command, and every later run, so
nothing scheduled went live). Runs every minute from beat (`cms.publish_scheduled`)."""

from __future__ import annotations

from wagtail.management.commands.publish_scheduled import Command as WagtailCommand

from cms.compliance.gate import scheduled_refusals_unschedule


class Command(WagtailCommand):
    help = "Publish scheduled revisions the compliance gate allows; unschedule the refused ones"

    def handle(self, *args, **options):
        if not options.get("dryrun"):
            for line in scheduled_refusals_unschedule():
                self.stderr.write(f"未发布（已取消定时）：{line}")
        super().handle(*args, **options)
