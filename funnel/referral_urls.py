from __future__ import annotations

from django.urls import re_path

from funnel import views

app_name = "referral"
urlpatterns = [
    re_path(r"^(?P<code>[A-Z0-9]{4,16})\.(?P<kind>svg|png)$", views.referral_qr, name="qr"),
    re_path(r"^(?P<code>[A-Z0-9]{4,16})/$", views.referral_landing, name="landing"),
]
