from django.urls import path

from channels import views

app_name = "channels"
urlpatterns = [
    path("hooks/<str:channel>/<str:account_name>/", views.webhook, name="webhook"),
]
