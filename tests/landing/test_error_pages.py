"""Error pages read in Chinese (issue 13, with point 19)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_a_chinese_404(client, landing, settings) -> None:
    settings.DEBUG = False
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert 'data-error-code="not_found"' in body


def test_a_server_error_answers_a_chinese_500_without_any_context() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务暂时不可用" in body
    assert 'lang="zh-CN"' in body
