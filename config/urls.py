from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from config import views
from config.admin_policies import django_admin_site
from funnel.history_admin import ScopedLogEntriesView
from landing.sitemaps import PackageCompareSitemap, PackageSitemap

SITEMAPS = {"pages": Sitemap, "packages": PackageSitemap, "compare": PackageCompareSitemap}

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("django-admin/", django_admin_site().urls),
    # Wagtail's site history, scoped to the leads the user may see (ahead of Wagtail's own).
    path(
        "admin/reports/site-history/",
        ScopedLogEntriesView.as_view(),
        name="scoped_site_history",
    ),
    path(
        "admin/reports/site-history/results/",
        ScopedLogEntriesView.as_view(results_only=True),
        name="scoped_site_history_results",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("channels/", include("channels.urls")),
    path("api/v1/", include("funnel.api_urls")),
    path("r/", include("funnel.referral_urls")),
    path("search/", cms_views.search, name="search"),
    path("", include("landing.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static as media_static

    urlpatterns += media_static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving catches everything else, so it goes last.
urlpatterns += [path("", include(wagtail_urls))]
