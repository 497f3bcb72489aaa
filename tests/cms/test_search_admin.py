"""Every search box, not only the public /search/: the admin's page listing and page search,
the page chooser, image and document listings and the admin API hand the typed string to the
search backend, which makes each query's words safe (`cms.search_backend`). An unbalanced
quote answered 500 in all of them on SQLite (eighth verification of issue 17). Runs on the
suite's database (SQLite FTS5, then PostgreSQL)."""

from __future__ import annotations

import pytest
from modelsearch.query import And, Not, Or, Phrase, PlainText
from wagtail.models import Page

from cms.search_backend import safe_query
from tests.cms.test_search import HOSTILE, article, hub, publish  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

ADMIN_SEARCHES = [
    "/admin/pages/search/",
    "/admin/pages/{home}/",
    "/admin/choose-page/search/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/snippets/cms/channeldraft/",
]


@pytest.mark.parametrize(
    "query", ['"', '"睡眠', "休止期'", "NEAR(休止期 鳞屑)", "*", "AND OR NOT", "^脱发"]
)
@pytest.mark.parametrize("url", ADMIN_SEARCHES)
def test_no_admin_search_string_answers_500(article, admin_client, url, query):  # noqa: F811
    home = Page.objects.get(depth=2).pk
    response = admin_client.get(url.format(home=home), {"q": query})

    assert response.status_code == 200


@pytest.mark.parametrize("query", HOSTILE)
def test_the_admin_api_search_never_fails(article, admin_client, query):  # noqa: F811
    response = admin_client.get("/admin/api/main/pages/", {"search": query})

    assert response.status_code in (200, 400)  # 400: Wagtail's own refusal, with a message
    if response.status_code == 400:
        assert "message" in response.json()


def test_the_admin_search_still_finds_a_page_by_a_quoted_word(article, admin_client):  # noqa: F811
    found = admin_client.get("/admin/pages/search/", {"q": '"毛发的周期'})

    assert "毛发的周期" in found.content.decode()


def test_safe_query_keeps_words_and_drops_syntax_in_every_query_kind():
    assert safe_query('"睡眠 OR 鳞屑*') == "睡眠 or 鳞屑"
    assert safe_query("熬夜 失眠") == "熬夜 失眠"  # terms stay apart
    assert safe_query('"') is None
    plain = safe_query(PlainText('"休止期', operator="or"))
    assert (plain.query_string, plain.operator) == ("休止期", "or")
    assert safe_query(Phrase("NEAR(a b)")).query_string == "near a b"
    kept = safe_query(And([PlainText('"'), PlainText("熬夜")]))
    assert isinstance(kept, PlainText)
    assert kept.query_string == "熬夜"
    assert safe_query(Or([PlainText("*"), Phrase("^")])) is None
    assert safe_query(Not(PlainText("("))) is None


@pytest.mark.parametrize("url", ["/admin/pages/search/", "/admin/choose-page/search/"])
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("毛囊镜", True),  # a word inside the title's run (twenty-third verification B)
        ("毛囊镜检", True),  # typed halfway: the last word is a prefix
        ("睡眠日记", True),
        ("三分钟看懂毛囊镜检查", True),  # the title whole
        ("看懂", True),
        ("毛囊镜 睡眠", False),  # every word must be in the title
        ("血糖", False),
    ],
)
def test_the_admin_page_search_finds_a_word_inside_a_title(
    publish,  # noqa: F811  (the fixture imported above)
    admin_client,
    url,
    query,
    found,
):
    """The admin's page search and page chooser call `autocomplete()`, which reads titles
    only: a title is one run of Chinese for the backend unless it is segmented."""
    publish("scope", "三分钟看懂毛囊镜检查", "医生用毛囊镜放大观察头皮。")
    publish("diary", "记了六周睡眠日记之后", "每天早上记录入睡时间。")

    page = admin_client.get(url, {"q": query}).content.decode()

    assert ("三分钟看懂毛囊镜检查" in page or "记了六周睡眠日记之后" in page) is found
    if query.startswith("毛囊") or query == "看懂":
        assert "记了六周睡眠日记之后" not in page
