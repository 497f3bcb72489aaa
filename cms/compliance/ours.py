"""The clinic's own names, for the checker (`cms.compliance.checker.Ours`): a study, a price or
a rate told under the brand, the institution or a doctor's name is the clinic's own result,
as under 本院 (issue 17, round 37).

Read from the database each time a page or a text is checked (two queries): the Sites' names
(the brand; `DEFAULT_SITE_NAME` when a site has none), the doctor pages' names and the
institutions they practise at (`DoctorPage.hospital`). The product serves one clinic per
deployment (DESIGN.md), so every Site's name is ours."""

from __future__ import annotations

from cms.compliance.checker import Ours


def own_names() -> Ours:
    """`Ours(names=(brands and institutions…), doctors=(doctor names…))`, each sorted and
    without blanks."""
    from wagtail.models import Site

    from cms.models.base import DEFAULT_SITE_NAME
    from cms.models.pages import DoctorPage

    sites = Site.objects.values_list("site_name", flat=True)
    brands = {name or DEFAULT_SITE_NAME for name in sites} or {DEFAULT_SITE_NAME}
    doctors: set[str] = set()
    for title, hospital in DoctorPage.objects.values_list("title", "hospital"):
        doctors.add(title.strip())
        brands.add(hospital.strip())
    return Ours(
        names=tuple(sorted(n for n in brands if n)),
        doctors=tuple(sorted(n for n in doctors if n)),
    )
