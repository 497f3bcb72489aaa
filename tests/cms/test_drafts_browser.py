"""A real headless Chromium: an editor's «复制» button puts the draft on the clipboard."""

from __future__ import annotations

import io

import pytest

from cms import seed as cms_seed
from cms.models import ArticlePage, ChannelDraft
from cms.services.drafts import channel_drafts_refresh
from funnel import seed as funnel_seed
from tests.conftest import ensure_site_tree

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_copy_button_puts_the_draft_on_the_clipboard(
    live_server, chromium, client, django_user_model
):
    ensure_site_tree()
    funnel_seed._packages(funnel_seed._specialties())
    cms_seed.seed_pages(stdout=io.StringIO())
    article = ArticlePage.objects.get(slug="insomnia-science-1")
    channel_drafts_refresh(article=article)
    note = ChannelDraft.objects.get(article=article, kind="xiaohongshu")
    editor = django_user_model.objects.create_superuser("chief", password="pw-chief-1")
    client.force_login(editor)
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/admin/cms/articles/{article.pk}/drafts/")
    button = page.locator(f'[data-copy-target="copy-{note.pk}"]')
    button.click()
    page.wait_for_selector(f'[data-copy-target="copy-{note.pk}"][data-copied="true"]')
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()

    assert copied == note.copy_text()
    assert copied.startswith("晚上睡不着，白天补觉有用吗？聊聊睡眠卫生\n\n")
    assert errors == []
