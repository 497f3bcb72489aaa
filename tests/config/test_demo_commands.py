"""Commands that create demo data and logins refuse to run outside dev/demo settings (issue 13)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.models import Specialty

pytestmark = pytest.mark.django_db

DEMO_COMMANDS = [
    ("seed_demo", []),
    ("demo_admin", []),
    ("sandbox_platforms", ["--port", "0"]),
    ("generate_funnel_data", ["--leads", "5"]),
]


@pytest.mark.parametrize(("command", "args"), DEMO_COMMANDS)
def test_demo_command_refuses_without_demo_settings(settings, command, args) -> None:
    # given settings that do not allow demo tools (production's)
    settings.DEMO_COMMANDS_ENABLED = False
    users = get_user_model().objects.count()

    # when the command runs, then it refuses before creating anything
    with pytest.raises(CommandError, match="dev and demo settings only"):
        call_command(command, *args)
    assert get_user_model().objects.count() == users
    assert not Specialty.objects.exists()


def test_demo_admin_still_runs_under_dev_settings(settings) -> None:
    assert settings.DEMO_COMMANDS_ENABLED is True  # test settings inherit dev's

    call_command("demo_admin")

    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()
