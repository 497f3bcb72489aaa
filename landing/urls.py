from django.urls import path

from landing import views

app_name = "landing"
urlpatterns = [
    path("lp/token/", views.form_token, name="form_token"),
    path("lp/ab/<int:test_id>/seen/", views.ab_seen, name="ab_seen"),
    path("lp/thanks/<str:token>/", views.thanks, name="thanks"),
    path("packages/compare/<slug:specialty>/", views.package_compare, name="package_compare"),
    path("packages/<slug:slug>/", views.package_detail, name="package_detail"),
    path("packages/<slug:slug>/reserve/", views.package_reserve, name="package_reserve"),
    path("h5/plan/<str:token>/", views.careplan, name="careplan"),
    path("h5/plan/<str:token>/photos/<int:photo_id>/", views.careplan_photo, name="careplan_photo"),
    path("h5/plan/<str:token>/withdraw/", views.careplan_withdraw, name="careplan_withdraw"),
    path(
        "h5/assistant/photos/<int:photo_id>/",
        views.careplan_photo_staff,
        name="careplan_photo_staff",
    ),
    path("h5/assistant/", views.assistant_home, name="assistant_home"),
    path("h5/assistant/leads/<int:lead_id>/", views.assistant_lead, name="assistant_lead"),
    path(
        "h5/assistant/followups/<int:followup_id>/",
        views.assistant_followup,
        name="assistant_followup",
    ),
]
