"""One source, many channels: limits on every seeded article, hashtags, compliance findings
carried into the drafts, the admin view with its copy buttons, hand edits re-checked."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders

from cms import drafts
from cms.models import ArticlePage, ChannelDraft, HomePage, SpecialtyPage
from cms.services.drafts import article_source, channel_drafts_refresh
from funnel.models import Specialty


def _source(**kwargs) -> drafts.ArticleSource:
    defaults = {"title": "晚上睡不着怎么办", "specialty": "失眠", "layer_label": "科普"}
    return drafts.ArticleSource(**{**defaults, **kwargs})


# --- pure generation ----------------------------------------------------------------------
def test_short_title_prefers_the_question_clause_then_the_longest_clause():
    assert drafts.short_title("每天掉多少头发算正常？先分清生理性脱落和病理性脱发", 20) == (
        "每天掉多少头发算正常？"
    )
    assert drafts.short_title("李文静医生：雄激素性脱发为什么需要长期管理", 20) == (
        "雄激素性脱发为什么需要长期管理"
    )
    assert drafts.short_title("短标题", 20) == "短标题"
    clipped = drafts.short_title("一" * 40, 20)
    assert (len(clipped), clipped[-1]) == (20, "…")


def test_clip_ends_at_a_sentence_when_it_can():
    text = "第一句话比较长一些。第二句话也不短，还有更多内容在后面。"
    assert drafts.clip(text, 18) == "第一句话比较长一些。"
    assert drafts.clip(text, 22) == "第一句话比较长一些。第二句话也不短，还有更…"
    assert drafts.clip("没有标点的长句子" * 5, 10) == "没有标点的长句子没…"
    assert drafts.clip("够短", 10) == "够短"


def test_hashtags_come_from_tags_then_specialty_and_stay_within_three_to_ten():
    few = drafts.hashtags_for(_source(tags=[], specialty="", layer_label=""))
    tagged = drafts.hashtags_for(_source(tags=["睡眠 卫生", "#失眠"]))
    many = drafts.hashtags_for(_source(tags=[f"标签{i}" for i in range(15)]))

    assert few == ["健康科普", "医生科普", "健康生活"]
    # not the layer's name (科普, 专家IP, 转化): the site's filing, no topic (round 13, F4)
    assert tagged == ["睡眠卫生", "失眠", "失眠科普", "健康科普", "医生科普", "健康生活"]
    assert many == [f"标签{i}" for i in range(10)]


def test_douyin_script_has_hook_three_points_and_cta_within_sixty_seconds():
    long_text = "长期失眠会影响白天的注意力和情绪，需要综合评估。" * 30
    source = _source(
        title="失眠",
        sections=[("原因", long_text), ("评估", long_text), ("调理", long_text)],
        faqs=[("失眠要不要吃药？", "是否用药由医生评估。")],
    )

    script = drafts.douyin_script(source).body

    lines = script.splitlines()
    assert [line[:4] for line in lines] == [
        "【开头】",
        "【要点一",
        "【要点二",
        "【要点三",
        "【结尾】",
    ]
    assert lines[0] == "【开头】失眠要不要吃药？"
    assert drafts.spoken_length(script) <= drafts.DOUYIN_SPOKEN_MAX == 240
    assert drafts.read_seconds(script) <= 60


def test_xiaohongshu_note_stays_within_1000_characters_with_its_tags():
    paragraph = "规律作息是改善睡眠的基础，白天适量活动也有帮助。" * 20
    source = _source(
        summary="睡眠卫生入门。", sections=[(f"要点{i}", paragraph) for i in range(30)]
    )

    note = drafts.xiaohongshu_note(source)

    tag_line = " ".join(f"#{t}" for t in note.hashtags)
    assert len(note.body) + 2 + len(tag_line) <= 1000
    assert note.body.startswith("睡眠卫生入门。\n\n1. 要点0：")
    assert note.body.endswith(drafts.DISCLAIMER)


# --- on the seeded articles ---------------------------------------------------------------
def test_limits_hold_for_every_seeded_article(seeded):
    articles = list(ArticlePage.objects.live())
    science = [a for a in articles if not a.is_medical_ad()]
    for article in science:
        channel_drafts_refresh(article=article)

    rows = list(ChannelDraft.objects.select_related("article"))
    assert (len(articles), len(science)) == (12, 9)
    assert len(rows) == 27
    for draft in rows:
        draft.full_clean()  # the model's per-channel limits
        assert [f for f in draft.compliance if f["severity"] == "block"] == [], draft
        if draft.kind == "xiaohongshu":
            posted = draft.copy_text().split("\n\n", 1)[1]  # body and tag line, no title
            assert len(draft.title) <= 20
            assert len(posted) <= 1000
            assert 3 <= len(draft.hashtag_list()) <= 10
        elif draft.kind == "douyin":
            assert drafts.spoken_length(draft.body) <= 240
            assert draft.body.count("【要点") == 3
        else:
            assert len(draft.title) <= 30
            assert 0 < len(draft.body) <= 120


def test_article_source_reads_sections_faqs_tags_and_specialty(seeded):
    article = ArticlePage.objects.get(slug="hair-loss-science-1")

    source = article_source(article=article)

    assert source.specialty == "脱发"
    assert sorted(source.tags) == ["头发周期", "脱发"]
    assert [h for h, _ in source.sections] == ["头发的生长周期", "哪些情况需要留意", ""]
    assert source.sections[1][1].startswith("连续数周落发明显增多；发际线后移")
    assert [q for q, _ in source.faqs] == ["洗头次数多会导致脱发吗？", "熬夜和压力会影响头发吗？"]


def test_refresh_replaces_the_three_drafts_instead_of_adding(seeded):
    article = ArticlePage.objects.get(slug="insomnia-science-1")
    channel_drafts_refresh(article=article)
    ChannelDraft.objects.filter(article=article, kind="baidu").update(title="手改的标题")

    channel_drafts_refresh(article=article)

    assert ChannelDraft.objects.filter(article=article).count() == 3
    assert ChannelDraft.objects.get(article=article, kind="baidu").title != "手改的标题"


# --- compliance ---------------------------------------------------------------------------
@pytest.fixture
def hub(db) -> SpecialtyPage:
    specialty, _ = Specialty.objects.get_or_create(slug="hair-loss", defaults={"name": "脱发"})
    page = SpecialtyPage(title="脱发专科", slug="hair-loss", specialty=specialty)
    HomePage.objects.get().add_child(instance=page)
    return page


def test_violations_in_the_source_are_found_in_the_drafts(hub):
    article = ArticlePage(
        title="三个月根治脱发的方法",
        slug="bad",
        layer="science",
        summary="治愈率95%，扫码添加医生微信领取方案。",
        body=[{"type": "paragraph", "value": "<h2>为什么有效</h2><p>无副作用，保证疗效。</p>"}],
    )
    hub.add_child(instance=article)  # a draft: the gate would refuse to publish it

    found = {d.kind: d for d in channel_drafts_refresh(article=article)}

    rules = {kind: {(f["rule"], f["field"]) for f in d.compliance} for kind, d in found.items()}
    assert ("ad16-guarantee", "title") in rules["xiaohongshu"]
    assert {("ad16-rate", "body"), ("ad19-contact", "body")} <= rules["xiaohongshu"]
    assert ("ad16-guarantee", "body") in rules["douyin"]
    assert ("ad16-rate", "body") in rules["baidu"]
    assert all(d.blocking_count() > 0 for d in found.values())


def test_a_health_science_article_s_drafts_may_not_invite_a_consultation(hub):
    # 第十九条 applies to health science, which is every layer but 转化 (专家IP included)
    article = ArticlePage(
        title="毛发门诊的预约流程",
        slug="booking",
        layer="expert",
        summary="在线预约后到店面诊，医生评估后制定方案。",
    )
    hub.add_child(instance=article)

    found = channel_drafts_refresh(article=article)

    assert {f["rule"] for d in found for f in d.compliance} == {"ad19-cta"}


def test_a_conversion_article_gets_no_drafts_and_loses_earlier_ones(hub):
    """Round 13 verification, F4: a 转化 article's drafts were an ad posted as health science
    (#健康科普, 「仅供健康科普参考」, no 审查证明). A medical ad gets no channel drafts; the
    drafts made while it was 科普 are not left to be copied."""
    from cms.services.drafts import DraftsOfAnAd

    article = ArticlePage(
        title="脱发初诊评估包含哪些项目", slug="assess", layer="science", summary="评估流程。"
    )
    hub.add_child(instance=article)
    assert len(channel_drafts_refresh(article=article)) == 3
    article.layer = "conversion"
    article.save()

    with pytest.raises(DraftsOfAnAd) as refused:
        channel_drafts_refresh(article=article)

    assert refused.value.code == "drafts_of_an_ad"
    assert ChannelDraft.objects.filter(article=article).count() == 0


# --- admin --------------------------------------------------------------------------------
@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw-editor-1")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_editor_generates_and_copies_drafts_in_the_admin(client, editor, seeded):
    article = ArticlePage.objects.get(slug="diabetes-science-1")
    url = f"/admin/cms/articles/{article.pk}/drafts/"
    client.force_login(editor)

    empty = client.get(url)
    generated = client.post(url)
    shown = client.get(url)

    html = shown.content.decode()
    assert empty.status_code == 200
    assert "还没有渠道稿" in empty.content.decode()
    assert (generated.status_code, generated["Location"]) == (302, url)
    assert ChannelDraft.objects.filter(article=article).count() == 3
    assert shown.status_code == 200
    assert html.count('data-copy-target="copy-') == 3
    assert "/static/cms/copy.js" in html
    assert "空腹血糖和餐后血糖，分别说明什么？" in html
    assert "合规检查：未发现问题" in html
    assert finders.find("cms/copy.js") is not None


def test_a_draft_with_a_blocking_finding_offers_no_copy(client, editor, hub):
    """A 禁止 finding means the draft must not be posted: the view shows why and no copy
    button (the seventh verifier copied a 禁止 draft)."""
    article = ArticlePage(
        title="脱发的科普",
        slug="held",
        layer="science",
        summary="治愈率95%，保证疗效。",
    )
    hub.add_child(instance=article)
    channel_drafts_refresh(article=article)
    client.force_login(editor)

    html = client.get(f"/admin/cms/articles/{article.pk}/drafts/").content.decode()

    assert all(d.blocking_count() for d in ChannelDraft.objects.filter(article=article))
    assert 'data-copy-target="copy-' not in html
    assert html.count("修改后才能复制发布") == 3


def test_the_page_header_and_listing_link_to_the_drafts(admin_client, seeded):
    article = ArticlePage.objects.get(slug="diabetes-science-1")
    hub = article.get_parent()

    edit = admin_client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    listing = admin_client.get(f"/admin/pages/{hub.pk}/").content.decode()

    assert f"/admin/cms/articles/{article.pk}/drafts/" in edit
    assert f"/admin/cms/articles/{article.pk}/drafts/" in listing
    assert "生成渠道稿" in edit


def test_drafts_view_refuses_users_without_edit_rights_and_non_articles(
    client, django_user_model, seeded
):
    article = ArticlePage.objects.get(slug="diabetes-science-1")
    no_rights = django_user_model.objects.create_user("viewer", password="pw-viewer-1")
    # admin access, but no page permissions
    from django.contrib.auth.models import Permission

    no_rights.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(no_rights)

    refused = client.post(f"/admin/cms/articles/{article.pk}/drafts/")
    hub = client.get(f"/admin/cms/articles/{article.get_parent().pk}/drafts/")

    # Wagtail's admin answers PermissionDenied with a redirect to the dashboard and a message
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert hub.status_code == 404
    assert ChannelDraft.objects.count() == 0


def test_hand_edit_is_rechecked_and_limits_enforced(admin_client, seeded):
    article = ArticlePage.objects.get(slug="insomnia-science-1")
    channel_drafts_refresh(article=article)
    draft = ChannelDraft.objects.get(article=article, kind="xiaohongshu")
    url = f"/admin/snippets/cms/channeldraft/edit/{draft.pk}/"

    too_long = admin_client.post(
        url, {"title": "一" * 21, "body": draft.body, "hashtags": draft.hashtags}
    )
    edited = admin_client.post(
        url, {"title": draft.title, "body": "这个方法保证疗效。", "hashtags": draft.hashtags}
    )

    assert too_long.status_code == 200
    assert "小红书标题不超过 20 字" in too_long.content.decode()
    assert edited.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "这个方法保证疗效。"
    assert [(f["rule"], f["field"], f["text"]) for f in draft.compliance] == [
        ("ad16-guarantee", "body", "保证疗效")
    ]


def test_the_drafts_page_of_a_conversion_article_says_why_and_offers_nothing(
    client, editor, seeded
):
    article = ArticlePage.objects.filter(layer="conversion").live().first()
    url = f"/admin/cms/articles/{article.pk}/drafts/"
    client.force_login(editor)

    posted = client.post(url, follow=True)
    edit = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()

    html = posted.content.decode()
    assert posted.status_code == 200
    assert "转化文章属于医疗广告，不生成渠道稿" in html
    assert "data-copy-target" not in html
    assert 'type="submit" class="button">生成渠道稿' not in html
    assert ChannelDraft.objects.filter(article=article).count() == 0
    assert url not in edit  # no 生成渠道稿 button in the editor's header


def test_every_block_keeps_its_own_sentence_in_the_drafts():
    """Eighteenth verification B-F9: short paragraphs without 「。」, `<br>` lines, a quote and
    a table ran together with a space, and what followed a list was glued onto its last item
    in the same numbered point."""
    from cms.services.drafts import _sections

    html = (
        "<h2>饮食建议</h2><p>少吃精制碳水</p><p>多吃蔬菜</p><h3>外出就餐</h3>"
        "<ol><li>先吃蔬菜</li><li>主食减半</li></ol><p>第一行<br/>第二行</p>"
        "<blockquote>引用一句话</blockquote>"
        "<table><tr><td>空腹</td><td>4.4-7.0</td></tr></table>"
        "<p>Keep a sleep diary</p><p>Then talk to your doctor.</p>"
    )

    sections = _sections(html)

    assert sections == [
        ("饮食建议", "少吃精制碳水。多吃蔬菜。"),
        (
            "外出就餐",
            "先吃蔬菜；主食减半。第一行。第二行。引用一句话。空腹，4.4-7.0。"
            "Keep a sleep diary. Then talk to your doctor.",
        ),
    ]
    # each is its own sentence where the drafts cut and number them
    assert drafts.sentences(sections[1][1])[:3] == ["先吃蔬菜；主食减半。", "第一行。", "第二行。"]
