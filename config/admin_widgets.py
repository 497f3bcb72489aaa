"""Admin widgets every app's edit forms share."""

from __future__ import annotations

from wagtail.admin.widgets import AdminDateInput


class TypedDateInput(AdminDateInput):
    """Wagtail's date picker, keeping what was typed. Its picker (jquery.datetimepicker's
    `validateOnBlur`, on by default) replaces a typed date it cannot parse with today's on
    leaving the field, so 「abc」 or 「2027-13-45」 typed as a review certificate's validity
    was saved as today with no error (round-5 tester). Kept, the server's DateField refuses
    it with 「输入一个有效的日期。」 and the editor sees what was wrong. Registered for every
    model DateField of the admin's forms (`config.apps`)."""

    def get_config(self) -> dict:
        return {**super().get_config(), "validateOnBlur": False}
