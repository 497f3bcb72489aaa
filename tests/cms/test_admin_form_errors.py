"""An admin form post that cannot be read answers 400 with a code and a Chinese message, never
a 500 or Django's bare 400 (seventh verification of issue 17: malformed rich-text JSON inside
the editor's save was a 500; a 300-question FAQ a bare 400). Nothing is saved either way."""

from __future__ import annotations

import json
import re

import pytest

from cms.models import ArticlePage
from tests.cms.compliance_support import draft, editor, hub
from tests.cms.test_workflow import _edit_form_data

pytestmark = pytest.mark.django_db


def _post(client, page, value: str, *, extra: dict | None = None):
    url = f"/admin/pages/{page.pk}/edit/"
    data = _edit_form_data(client.get(url).content.decode())
    data.update({
        "body-count": ["1"], "body-0-type": ["paragraph"], "body-0-deleted": [""],
        "body-0-order": ["0"], "body-0-id": [""], "body-0-value": [value],
    })  # fmt: skip
    data.update(extra or {})
    return client.post(url, data)


@pytest.mark.parametrize(
    "value",
    [
        '{"blocks": [{"key": "a1", "text": "熬夜',  # cut short
        "not json at all",
        "[]",  # JSON, not a contentstate
        '{"blocks": 5, "entityMap": {}}',
        '{"blocks": [{"text": 1}], "entityMap": {}}',
        '{"blocks": [null], "entityMap": {}}',
    ],
)
def test_malformed_rich_text_answers_a_clear_400_and_saves_nothing(client, value: str):
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())

    response = _post(client, page, value, extra={"action-publish": ["action-publish"]})

    assert response.status_code == 400
    assert response["X-Error-Code"] == "form_unreadable"
    assert "未保存任何更改" in response.content.decode()
    assert page.revisions.count() == revisions
    assert not ArticlePage.objects.get(pk=page.pk).live


def test_a_faq_of_300_questions_is_saved(client):
    page = draft(hub(), ArticlePage(title="失眠问答", slug="faq", layer="science", body=[]))
    client.force_login(editor())
    url = f"/admin/pages/{page.pk}/edit/"
    data = _edit_form_data(client.get(url).content.decode())
    data.update({"body-count": ["1"], "body-0-type": ["faq"], "body-0-deleted": [""],
                 "body-0-order": ["0"], "body-0-id": [""],
                 "body-0-value-items-count": ["300"]})  # fmt: skip
    answer = json.dumps({"blocks": [{"key": "k", "type": "unstyled", "depth": 0,
                         "text": "保持规律作息。", "inlineStyleRanges": [], "entityRanges": [],
                         "data": {}}], "entityMap": {}})  # fmt: skip
    for i in range(300):
        prefix = f"body-0-value-items-{i}"
        data.update({f"{prefix}-deleted": [""], f"{prefix}-order": [str(i)], f"{prefix}-id": [""],
                     f"{prefix}-value-question": [f"失眠问题{i}？"],
                     f"{prefix}-value-answer": [answer]})  # fmt: skip
    assert len(data) > 1000  # Django's default limit

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:500]
    body = ArticlePage.objects.get(pk=page.pk).get_latest_revision().as_object().body
    assert len(body[0].value["items"]) == 300


def test_more_fields_than_the_limit_answers_too_many_fields(client, settings):
    page = draft(hub(), ArticlePage(title="失眠问答", slug="faq", layer="science", body=[]))
    client.force_login(editor())
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    data = {f"f{i}": "x" for i in range(60)}

    response = client.post(f"/admin/pages/{page.pk}/edit/", data)

    assert response.status_code == 400
    assert response["X-Error-Code"] == "too_many_fields"
    assert "超过 50 个" in response.content.decode()


def test_only_an_error_raised_reading_a_widget_value_is_the_users_input():
    """Other errors in a view stay the 500s they are: found by the raising frame's name."""
    from config.middleware import _raised_reading_form_data

    def value_from_datadict():
        json.loads("{")

    def save():
        json.loads("{")

    caught = []
    for call in (value_from_datadict, save):
        try:
            call()
        except ValueError as exc:
            caught.append(_raised_reading_form_data(exc))

    assert caught == [True, False]


def _state(entity_map: dict, key="0") -> str:
    block = {"key": "a1", "text": "x", "type": "unstyled", "depth": 0, "inlineStyleRanges": [],
             "entityRanges": [{"key": key, "offset": 0, "length": 1}], "data": {}}  # fmt: skip
    return json.dumps({"blocks": [block], "entityMap": entity_map})


@pytest.mark.parametrize(
    "value",
    [
        _state({"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"id": "x", "url": "/x/"}}}),
        _state({"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"id": "1.5"}}}),
        _state({"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"id": [1]}}}),
        _state({"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"id": "x"}}}),
        _state({"0": {"type": "DOCUMENT", "mutability": "MUTABLE", "data": {"id": "x"}}}),
        _state({"0": {"type": "IMAGE", "mutability": "IMMUTABLE", "data": {"id": None}}}),
        _state({"0": {"type": "SCRIPT", "mutability": "MUTABLE", "data": {}}}),
        _state({}, key=9),
        _state({}, key="zz"),
        _state({"0": "not an entity"}),
    ],
)
def test_a_crafted_entity_is_refused_and_the_editor_still_opens(client, value: str):
    """A link whose page id is not a number was stored, after which the editor answered 500
    for everyone; a range naming a missing entity 500'd on save (eighth verification, F1)."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())

    saved = _post(client, page, value)
    published = _post(client, page, value, extra={"action-publish": ["action-publish"]})

    assert (saved.status_code, published.status_code) == (400, 400)
    assert saved["X-Error-Code"] == "form_unreadable"
    assert page.revisions.count() == revisions
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


@pytest.mark.parametrize("page_id", ["{pk}", "int"])
def test_a_link_to_a_page_by_its_id_is_saved(client, page_id: str):
    parent = hub()
    page = draft(parent, ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    target = parent.pk if page_id == "int" else str(parent.pk)
    client.force_login(editor())

    response = _post(client, page, _state(
        {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"id": target, "url": "/x/"}}}
    ))  # fmt: skip

    assert response.status_code == 302
    stored = ArticlePage.objects.get(pk=page.pk).get_latest_revision().as_object().body
    assert f'id="{parent.pk}"' in stored[0].value.source
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


def _blocks(*blocks: dict, entity_map: dict | None = None) -> str:
    base = {"key": "a1", "text": "睡眠卫生", "type": "unstyled", "depth": 0,
            "inlineStyleRanges": [], "entityRanges": [], "data": {}}  # fmt: skip
    return json.dumps({"blocks": [{**base, **b} for b in blocks], "entityMap": entity_map or {}})


_LINKS = {
    "0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "https://example.com/"}},
    "1": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "https://example.org/"}},
}
_BOLD = {"offset": 0, "length": 4, "style": "BOLD"}
_OVERLAPPING = [{"offset": 0, "length": 4, "key": 0}, {"offset": 2, "length": 2, "key": 1}]
_ADJACENT = [{"offset": 0, "length": 2, "key": 0}, {"offset": 2, "length": 2, "key": 1}]


@pytest.mark.parametrize(
    "value",
    [
        _blocks({"inlineStyleRanges": [_BOLD] * 400}),  # one style repeated: RecursionError
        _blocks({"inlineStyleRanges": [_BOLD, {**_BOLD, "offset": 2, "length": 2}]}),
        _blocks({"inlineStyleRanges": [{**_BOLD, "style": f"S{i}"} for i in range(17)]}),
        _blocks({"inlineStyleRanges": [{**_BOLD, "offset": -1}]}),
        _blocks({"inlineStyleRanges": [{**_BOLD, "length": "4"}]}),
        _blocks({"inlineStyleRanges": [{"offset": 0, "length": 1, "style": None}]}),
        _blocks(  # two entities over the same characters: ExporterEntityException
            {"entityRanges": _OVERLAPPING}, entity_map=_LINKS
        ),
        _blocks({"entityRanges": [{"offset": True, "length": 1, "key": 0}]}, entity_map=_LINKS),
        _blocks({"type": "unordered-list-item", "depth": 5000}),  # RecursionError
        _blocks(*({"key": f"k{i}", "type": "unordered-list-item", "depth": i} for i in range(400))),
        _blocks({"depth": "1"}),
    ],
)
def test_a_contentstate_no_editor_posts_answers_400_not_500(client, value: str):
    """Round 13 verification, F2: a style repeated 400 times, overlapping entity ranges and a
    list depth of thousands crashed the exporter inside the save (500)."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())

    response = _post(client, page, value, extra={"action-publish": ["action-publish"]})

    assert response.status_code == 400
    assert response["X-Error-Code"] == "form_unreadable"
    assert page.revisions.count() == revisions


def test_what_draftail_posts_for_styles_links_and_lists_is_saved(client):
    """The shapes a browser's editor posts stay storable: several styles over one word,
    adjacent links, a list two levels deep."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    client.force_login(editor())
    value = _blocks(
        {"inlineStyleRanges": [_BOLD, {**_BOLD, "style": "ITALIC"}, {**_BOLD, "offset": 4}],
         "entityRanges": _ADJACENT},
        {"key": "l1", "type": "unordered-list-item", "depth": 0, "text": "早睡"},
        {"key": "l2", "type": "unordered-list-item", "depth": 1, "text": "十一点前"},
        entity_map=_LINKS,
    )  # fmt: skip

    response = _post(client, page, value)

    assert response.status_code == 302, response.content.decode()[:500]
    stored = ArticlePage.objects.get(pk=page.pk).get_latest_revision().as_object().body
    assert "<b><i>" in stored[0].value.source or "<i><b>" in stored[0].value.source
    assert stored[0].value.source.count("<a ") == 2


@pytest.mark.parametrize(
    "value",
    [
        _blocks({"inlineStyleRanges": [_BOLD] * 2000}),
        _blocks({"entityRanges": _OVERLAPPING}, entity_map=_LINKS),
    ],
)
def test_the_exporter_s_failures_are_a_400_behind_the_check(client, monkeypatch, value: str):
    """The middleware's net: with the structural check switched off, the exporter's own
    exception and an exhausted recursion inside the widget still answer 400, not 500."""
    monkeypatch.setattr("cms.rich_text.contentstate_problem", lambda raw: "")
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    client.force_login(editor())

    response = _post(client, page, value)

    assert response.status_code == 400
    assert response["X-Error-Code"] == "form_unreadable"


@pytest.mark.parametrize("field", ["reviewer", "cover", "share_image"])
@pytest.mark.parametrize("value", ["abc", "1' OR 1=1", "1.5", "-1"])
def test_a_crafted_chooser_value_is_a_form_error_not_a_500(client, field: str, value: str):
    """Twentieth verification B6: 「abc」 posted into the 审核医生 or 封面 chooser crashed
    Wagtail's chooser widget while it redisplayed the form (ValueError, 500)."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())

    response = _post(
        client, page, _blocks({"key": "a1", "text": "规律作息有助于睡眠。"}), extra={field: [value]}
    )

    assert response.status_code == 200  # the form again, with the field's error
    assert "选择一个有效的选项" in response.content.decode()
    assert page.revisions.count() == revisions


@pytest.mark.parametrize("field", ["reviewer", "cover"])
def test_an_id_too_large_for_the_database_answers_400_not_500(client, field: str):
    """An id past the database's integer range fails in Django's own lookup (OverflowError on
    SQLite, DataError on PostgreSQL): the clear 400 of an unreadable form."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())

    body = _blocks({"key": "a1", "text": "规律作息有助于睡眠。"})
    response = _post(client, page, body, extra={field: ["9" * 30]})

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response["X-Error-Code"] == "form_unreadable"
    assert page.revisions.count() == revisions


@pytest.mark.parametrize("value", ["9" * 30, "9223372036854775808"])
def test_an_id_too_large_in_a_blocks_chooser_answers_400_not_500(client, value: str):
    """Twentieth re-verification D-6: a doctor card's chooser posted 「999…9」 raised
    OverflowError inside the StreamField (500)."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())
    url = f"/admin/pages/{page.pk}/edit/"
    data = _edit_form_data(client.get(url).content.decode())
    data.update({
        "body-count": ["1"], "body-0-type": ["doctor_card"], "body-0-deleted": [""],
        "body-0-order": ["0"], "body-0-id": ["c1"], "body-0-value-doctor": [value],
    })  # fmt: skip

    response = client.post(url, data)

    # SQLite cannot look the id up (OverflowError): the form is unreadable, nothing saved.
    # PostgreSQL finds no such page and keeps the draft with an empty card. Either way no
    # 500, now or when the editor opens the page again, and nothing goes live.
    assert response.status_code in (200, 302, 400)
    if response.status_code == 400:
        assert response["X-Error-Code"] == "form_unreadable"
        assert page.revisions.count() == revisions
    assert client.get(url).status_code == 200
    assert not ArticlePage.objects.get(pk=page.pk).live


BIG = "9" * 20


@pytest.mark.parametrize(
    "url",
    [
        f"/admin/cms/articles/{BIG}/drafts/",
        f"/admin/bulk/wagtailcore/page/unpublish/?id={BIG}",
        f"/admin/bulk/wagtailcore/page/delete/?id={BIG}",
        f"/admin/bulk/wagtailcore/page/publish/?id={BIG}",
        f"/admin/bulk/wagtailcore/page/move/?id={BIG}",
        f"/admin/bulk/wagtailimages/image/delete/?id={BIG}",
        f"/admin/bulk/cms/channeldraft/delete/?id={BIG}",
        f"/admin/reports/site-history/?user={BIG}",
    ],
)
def test_an_id_too_large_in_any_admin_url_is_a_4xx_not_a_500(admin_client, url: str):
    """Twenty-first verification B: Wagtail's bulk actions, the site history's filter and
    the project's own drafts view raised OverflowError on SQLite for 「?id=999…9」."""
    hub()
    response = admin_client.get(url)

    assert 400 <= response.status_code < 500 or response.status_code in (200, 302), url
    if response.status_code == 400:
        assert response["X-Error-Code"] == "id_out_of_range"


def test_an_id_too_large_in_a_doctor_pages_specialties_is_a_400_not_a_500(client):
    """Twenty-first verification B: 擅长专科 (a multiple choice) posted 「999…9」: 500."""
    from cms.models import DoctorIndexPage, DoctorPage, HomePage

    hub()
    team = HomePage.objects.get().add_child(
        instance=DoctorIndexPage(title="医生团队", slug="doctors")
    )
    doctor = team.add_child(
        instance=DoctorPage(
            title="李文静",
            slug="li",
            rank="副主任医师",
            hospital="徐汇门诊部",
            licence_number="110310000012345",
        )
    )
    revisions = doctor.revisions.count()
    client.force_login(editor())
    url = f"/admin/pages/{doctor.pk}/edit/"
    data = _edit_form_data(client.get(url).content.decode())
    data["specialties"] = [BIG]

    response = client.post(url, data)

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response["X-Error-Code"] in ("form_unreadable", "id_out_of_range")
    assert doctor.revisions.count() == revisions


NUL_MESSAGE = "含有不可见的空字符（NUL）"


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_character_is_refused_with_a_message_that_names_it(client, field: str) -> None:
    """A NUL pasted into a title or a paragraph (no database stores one) is a field error that
    says so, not Django's 「不允许是用空字符串」 ("no empty string") or no message at all
    (issue 17 re-verification); nothing is saved."""
    page = draft(hub(), ArticlePage(title="熬夜与脱发", slug="late", layer="science", body=[]))
    revisions = page.revisions.count()
    client.force_login(editor())
    text = "熬夜\x00伤头发。" if field == "body" else "熬夜伤头发。"
    state = json.dumps({"blocks": [{"key": "k", "type": "unstyled", "depth": 0, "text": text,
                        "inlineStyleRanges": [], "entityRanges": [], "data": {}}],
                        "entityMap": {}})  # fmt: skip
    extra = {"title": ["熬夜\x00与脱发"]} if field == "title" else {}

    response = _post(client, page, state, extra=extra)

    assert response.status_code == 200  # the form again, with its errors
    # the block's errors travel as JSON (\u escapes) inside the stream's data attribute
    html = re.sub(
        r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), response.content.decode()
    )
    assert NUL_MESSAGE in html
    assert "空字符串" not in html
    assert page.revisions.count() == revisions
