"""Links a patient can open about themselves, made by the app that serves them.

The care-plan link (`/h5/plan/<signed token>/`) is landing's: its token is signed, versioned
and revocable there (`landing.services.careplan`). A connector that writes to the patient (the
WeCom welcome message) may not import landing, so landing registers a provider here in its
`AppConfig.ready()` and the funnel never imports it (the pattern of `funnel.consent`)."""

from __future__ import annotations

from collections.abc import Callable

# lead id → an absolute URL of the lead's care plan, or None when it has none
CarePlanLinkProvider = Callable[[int], "str | None"]
_providers: list[CarePlanLinkProvider] = []


def careplan_link_provider_register(provider: CarePlanLinkProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def careplan_link_for(*, lead_id: int) -> str | None:
    """The lead's care-plan link from the first provider that has one; None when the lead has
    no plan (or no app provides plans)."""
    for provider in _providers:
        link = provider(lead_id)
        if link:
            return link
    return None
