from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

BODY = "<!DOCTYPE html><html lang=zh-CN><body>" + "引流" * 1000 + "</body></html>"


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY)


urlpatterns = [path("__bench/bare/", bare), path("", include("config.urls"))]
