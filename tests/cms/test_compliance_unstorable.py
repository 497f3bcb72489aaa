"""A character no database stores, posted inside a rich-text block (seventh verification of
issue 17: a lone surrogate 「\\udcff」 escaped in the block's JSON, as a browser sends it after a
bad paste, answered 500 after 27 s: OpenCC could not encode it, nor could the response echoing
it). The admin reads it as U+FFFD (`config.middleware.AdminLoneSurrogateMiddleware`); the
checker reads such text without failing wherever it comes from."""

from __future__ import annotations

import json

import pytest

from cms.compliance.checker import check_report
from cms.models import ArticlePage
from config.middleware import _LONE_SURROGATE_ESCAPE
from tests.cms.compliance_support import draft, editor, hub
from tests.cms.test_workflow import _edit_form_data

pytestmark = pytest.mark.django_db

LONE = "\udcff"


def _contentstate(text: str) -> str:
    # the Draftail editor's JSON; json.dumps escapes the surrogate as the browser does
    block = {"key": "a1", "type": "unstyled", "depth": 0, "text": text,
             "inlineStyleRanges": [], "entityRanges": [], "data": {}}  # fmt: skip
    return json.dumps({"blocks": [block], "entityMap": {}})


@pytest.mark.parametrize("publish", [True, False])
def test_a_lone_surrogate_in_a_rich_text_block_is_kept_as_a_replacement_not_a_500(client, publish):
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    client.force_login(editor())
    url = f"/admin/pages/{page.pk}/edit/"
    data = _edit_form_data(client.get(url).content.decode())
    data.update({
        "body-count": ["1"], "body-0-type": ["paragraph"], "body-0-deleted": [""],
        "body-0-order": ["0"], "body-0-id": [""],
        "body-0-value": [_contentstate(f"熬夜会影响头发健康。正常{LONE}文本")],
    })  # fmt: skip
    if publish:
        data["action-publish"] = ["action-publish"]

    response = client.post(url, data)

    assert response.status_code == 302  # saved (and published), as any lawful text
    fresh = ArticlePage.objects.get(pk=page.pk)
    stored = fresh.get_latest_revision().as_object().body[0].value.source
    assert "正常\ufffd文本" in stored
    assert fresh.live is publish


def test_only_lone_surrogate_escapes_are_replaced():
    def fixed(text: str) -> str:
        return _LONE_SURROGATE_ESCAPE.sub(r"\\ufffd", text)

    assert fixed(r"正常\udcff文本") == r"正常\ufffd文本"
    assert fixed(r"a\ud83db") == r"a\ufffdb"  # a high surrogate alone
    assert fixed(r"\ude00x") == r"\ufffdx"  # a low surrogate alone
    assert fixed(r"\ud83d\ude00") == r"\ud83d\ude00"  # a pair (😀) is a character
    assert fixed(r"\\udcff") == r"\\udcff"  # an escaped backslash's text


def test_the_checker_reads_a_lone_surrogate_without_failing():
    report = check_report(f"正常{LONE}文本，加微信", scopes={"science"})
    assert [f.text for f in report.blocking] == ["加微信"]
