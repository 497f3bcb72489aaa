"""The guard of the commands that create demo data and logins (dev, demo and tests only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def demo_commands_refuse(command: str) -> None:
    """Raise CommandError unless the settings allow demo tools (config.settings.dev only)."""
    if not getattr(settings, "DEMO_COMMANDS_ENABLED", False):
        raise CommandError(
            f"{command} 仅用于开发和演示环境 / {command} is for dev and demo settings only "
            f"(it creates demo data and logins with public passwords); "
            f"these settings are {settings.SETTINGS_MODULE}"
        )
