from django.urls import path

from channels import views
from channels.wecom import views as wecom_views

app_name = "channels"
urlpatterns = [
    path("hooks/wecom/<str:account_name>/", wecom_views.callback, name="wecom_callback"),
    path("hooks/<str:channel>/<str:account_name>/", views.webhook, name="webhook"),
]
