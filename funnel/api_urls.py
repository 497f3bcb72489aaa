from django.urls import path

from funnel.api import api

urlpatterns = [path("", api.urls)]
