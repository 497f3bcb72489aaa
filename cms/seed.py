"""Demo content for the site root. Later content (specialties, articles) hangs below it."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Site

from cms.models import HomePage

HOME_INTRO = (
    "<p>我们是一家专注脱发、失眠与糖尿病的专科诊所。这里有医生审核过的健康科普、"
    "专病服务包，以及一对一的医助随访。</p>"
)


def seed(*, stdout) -> None:
    home = HomePage.objects.first()
    if home is None:  # the migration creates it; a missing root means a broken database
        raise RuntimeError("HomePage missing: run `python manage.py migrate` first")
    if home.intro != HOME_INTRO or home.title != "引流健康":
        home.title = "引流健康"
        home.intro = HOME_INTRO
        home.save_revision().publish()
    # The demo serves on WAGTAILADMIN_BASE_URL; sitemap and canonical URLs are built from the Site.
    base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    Site.objects.filter(is_default_site=True).update(
        hostname=base.hostname or "localhost", port=base.port or 80, site_name="引流健康"
    )
    stdout.write(f"  home page: {home.url_path}")
