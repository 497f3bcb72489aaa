"""Review of issue 17, round 2, M1: a live 科普 page is judged again when what it links changes
after publication — a Wagtail redirect added from a path it links, a linked article switched to
转化, a 转化 article renamed or moved onto a linked URL — and by a daily sweep. A page the gate
now refuses is unpublished, its result stored and staff notified. Everything goes through real
publishing, real redirects and the real task (eager Celery, run on commit)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from wagtail.contrib.redirects.models import Redirect

from cms.compliance.gate import page_ad_review_record
from cms.models import ArticlePage
from cms.services.science_recheck import RECHECK_NOTICE_TITLE
from cms.tasks import science_pages_sweep_task
from funnel.models import Notification
from tests.cms.compliance_support import certificate_for, draft, hub, printed_until, reviewer, rich

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _site_tree() -> None:
    """The Site and HomePage the migrations made, rebuilt when an earlier module's
    transactional test flushed them (the full suite's order)."""
    from tests.conftest import ensure_review_groups, ensure_site_tree

    ensure_site_tree()
    ensure_review_groups()


@pytest.fixture(autouse=True)
def _tasks_inline():
    """The worker's part run inline on commit, whatever broker the run is configured with
    (with REDIS_URL set the tasks would wait in Redis for a worker that is not there)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _live_science(parent, body_html: str, slug: str = "sleep", title: str = "睡眠卫生"):
    body = [{"type": "paragraph", "value": body_html}]
    page = draft(parent, ArticlePage(title=title, slug=slug, layer="science", body=body))
    page.save_revision().publish()  # through the gate: it passes today
    page.refresh_from_db()
    assert page.live is True
    return page


def _live_conversion(parent, slug: str = "plan") -> ArticlePage:
    page = draft(
        parent,
        ArticlePage(
            title="失眠调理方案",
            slug=slug,
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("6 周调理方案介绍。")}],
        ),
    )
    user = reviewer(f"shencha-{slug}")
    page_ad_review_record(
        page=page, user=user, certificate=certificate_for(page), valid_until=printed_until()
    ).publish(user=user)
    page.refresh_from_db()
    assert page.live is True
    return page


def _taken_down(page) -> None:
    page.refresh_from_db()
    assert page.live is False
    assert page.compliance_result["state"] == "draft"
    assert page.compliance_result["decision"] == "science_ad"
    (notice,) = _notices()
    assert page.title in notice.body
    assert page.url_path.split("/")[-2] in notice.body


def _notices() -> list[Notification]:
    # title and body are encrypted at rest: read, not filtered, by title
    return [n for n in Notification.objects.all() if n.title == RECHECK_NOTICE_TITLE]


def _still_live(page) -> None:
    page.refresh_from_db()
    assert page.live is True


@pytest.mark.parametrize(
    "href",
    [
        "/insomnia/old-guide/",
        "/insomnia/old-guide",
        "/insomnia/old-guide/?from=kepu#top",
        "/insomnia/%6Fld-guide/",
        "/insomnia/./old-guide/",
        "https://localhost/insomnia/old-guide/",
    ],
)
def test_a_redirect_added_later_from_a_linked_path_to_lead_capture_takes_the_page_down(
    href,
) -> None:
    # given a live 科普 article linking a path with no page (it passed the gate), and another
    # live 科普 article that does not link it
    parent = hub()
    linking = _live_science(parent, f'<p>旧版指南见<a href="{href}">这里</a>。</p>')
    other = _live_science(parent, rich("规律作息。"), slug="habits", title="作息习惯")

    # when someone adds a Wagtail redirect from that path to a landing page
    Redirect.objects.create(
        old_path=Redirect.normalise_path("/insomnia/old-guide/"),
        redirect_link="/lp/insomnia/?utm_source=kepu",
    )

    # then the linking page is unpublished, its result stored, staff told; the other stays
    _taken_down(linking)
    _still_live(other)


def test_a_redirect_to_a_conversion_article_takes_the_linking_page_down() -> None:
    parent = hub()
    target = _live_conversion(parent)
    linking = _live_science(parent, '<p>见<a href="/insomnia/guide-2024/">旧指南</a></p>')

    Redirect.objects.create(old_path="/insomnia/guide-2024", redirect_page=target)

    _taken_down(linking)


def test_a_redirect_edited_to_lead_capture_takes_the_linking_page_down() -> None:
    # given a harmless redirect the page already linked through
    parent = hub()
    _live_science(parent, rich("新版指南"), slug="guide", title="新版指南")
    redirect = Redirect.objects.create(old_path="/insomnia/old", redirect_link="/insomnia/guide/")
    linking = _live_science(parent, '<p>见<a href="/insomnia/old/">指南</a></p>')

    # when it is changed to point at a landing page
    redirect.redirect_link = "/lp/insomnia/"
    redirect.save()

    _taken_down(linking)


@pytest.mark.parametrize("link", ["page", "href"])
def test_a_linked_science_article_switched_to_conversion_takes_the_linking_page_down(link) -> None:
    # given a live 科普 article B and a live 科普 article A linking it (page link or plain href)
    parent = hub()
    target = _live_science(parent, rich("失眠的原因"), slug="causes", title="失眠的原因")
    anchor = (
        f'<a linktype="page" id="{target.pk}">原因</a>'
        if link == "page"
        else '<a href="/insomnia/causes/">原因</a>'
    )
    linking = _live_science(parent, f"<p>先了解{anchor}。</p>")

    # when B is switched to 转化 and published on a reviewer's certificate
    user = reviewer("shencha-switch")
    target.layer = "conversion"
    page_ad_review_record(
        page=target, user=user, certificate=certificate_for(target), valid_until=printed_until()
    ).publish(user=user)
    target.refresh_from_db()
    assert target.layer == "conversion"
    assert target.live

    # then A is taken down
    _taken_down(linking)


def test_a_conversion_article_renamed_onto_a_linked_url_takes_the_linking_page_down() -> None:
    # given a 科普 page linking a URL where nothing is served, and a live 转化 article elsewhere
    parent = hub()
    linking = _live_science(parent, '<p>见<a href="/insomnia/new-plan/">新方案</a></p>')
    target = _live_conversion(parent, slug="plan")

    # when the 转化 article's slug is renamed onto that URL and published again
    target.slug = "new-plan"
    user = reviewer("shencha-rename")
    target.save_revision(user=user).publish(user=user)
    target.refresh_from_db()
    assert target.url_path.endswith("/new-plan/")
    assert target.live

    _taken_down(linking)


def test_a_conversion_article_is_not_moved_onto_a_linked_url() -> None:
    # given a 科普 page under one hub linking /insomnia/plan/ (nothing there yet), and a live
    # 转化 article under another hub
    linking = _live_science(hub(), '<p>见<a href="/insomnia/plan/">方案</a></p>')
    target = _live_conversion(hub("hair-loss", "脱发"), slug="plan")

    # when the article is moved under the first hub: refused (a medical ad stays under the
    # parent it was certified under, `gate.move_refused`), so no ad arrives at the link and
    # the linking page stays live; the rename above is the way an ad can still reach a URL
    from cms.compliance.gate import MoveRefused

    with pytest.raises(MoveRefused):
        target.move(linking.get_parent(), pos="last-child")

    linking.refresh_from_db()
    assert linking.live
    assert not ArticlePage.objects.filter(url_path__endswith="/insomnia/plan/").exists()


def test_the_daily_sweep_takes_down_what_changed_without_signals_and_is_idempotent() -> None:
    # given a live 科普 page linking an article that became 转化 without any signal (a bulk
    # update in the database), and a clean live 科普 page
    parent = hub()
    target = _live_science(parent, rich("失眠的原因"), slug="causes", title="失眠的原因")
    linking = _live_science(parent, f'<p>先看<a linktype="page" id="{target.pk}">原因</a></p>')
    clean = _live_science(parent, rich("规律作息。"), slug="habits", title="作息习惯")
    ArticlePage.objects.filter(pk=target.pk).update(layer="conversion")

    # when the daily sweep runs (twice)
    assert science_pages_sweep_task() == 1
    assert science_pages_sweep_task() == 0

    # then the linking page is down, staff were told once, the clean page stays live
    _taken_down(linking)
    _still_live(clean)
    assert len(_notices()) == 1


def test_the_sweep_is_scheduled_daily_by_a_migration() -> None:
    import importlib

    from django.apps import apps

    # the migration's own step, run again: an earlier transactional test of the full suite
    # may have flushed the row it wrote (installing is idempotent)
    migration = importlib.import_module("cms.migrations.0019_install_science_pages_sweep")
    migration.install(apps, None)
    migration.install(apps, None)

    task = PeriodicTask.objects.get(task="cms.science_pages_sweep")

    assert (task.crontab.minute, task.crontab.hour) == ("40", "0")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_changes_in_one_transaction_are_rechecked_by_one_task_after_commit() -> None:
    # given two live 科普 pages linking two paths with no page
    parent = hub()
    first = _live_science(
        parent, '<p>见<a href="/insomnia/a/">甲</a></p>', slug="one", title="甲篇"
    )
    second = _live_science(
        parent, '<p>见<a href="/insomnia/b/">乙</a></p>', slug="two", title="乙篇"
    )

    # when one transaction adds a redirect for each (a rolled-back savepoint's does not count)
    with transaction.atomic():
        Redirect.objects.create(old_path="/insomnia/a", redirect_link="/lp/insomnia/")
        try:
            with transaction.atomic():
                Redirect.objects.create(old_path="/insomnia/x", redirect_link="/lp/insomnia/")
                raise RuntimeError
        except RuntimeError:
            pass
        Redirect.objects.create(old_path="/insomnia/b", redirect_link="/packages/sleep/")
        # nothing is judged before the commit
        first.refresh_from_db()
        assert first.live is True

    # then both are down, reported in one notice
    for page in (first, second):
        page.refresh_from_db()
        assert page.live is False
    (notice,) = _notices()
    assert "甲篇" in notice.body
    assert "乙篇" in notice.body


# --- chains of redirects: the re-check finds what the gate follows ---------------------------


def test_a_redirect_added_at_the_end_of_a_chain_takes_the_page_linking_its_start_down() -> None:
    # given a live 科普 page linking /insomnia/a/, where an old redirect sends on to
    # /insomnia/b/ (nothing there: the page passed the gate), and a page linking nothing
    parent = hub()
    Redirect.objects.create(old_path="/insomnia/a", redirect_link="/insomnia/b/")
    linking = _live_science(parent, '<p>见<a href="/insomnia/a/">旧指南</a></p>')
    other = _live_science(parent, rich("规律作息。"), slug="habits", title="作息习惯")

    # when someone adds /insomnia/b → a landing page (the re-check enqueued on its commit)
    Redirect.objects.create(old_path="/insomnia/b", redirect_link="/lp/insomnia/")

    # then the page reaching it through the chain is taken down, the other stays live
    _taken_down(linking)
    _still_live(other)


def test_a_chain_of_five_redirects_is_followed_on_the_recheck() -> None:
    # given /insomnia/h1 → h2 → h3 → h4 → h5 (four redirects) linked from a live 科普 page,
    # spelled as editors and Wagtail write them (an absolute own link, a query, no slash)
    parent = hub()
    Redirect.objects.create(old_path="/insomnia/h1", redirect_link="/insomnia/h2/")
    Redirect.objects.create(old_path="/insomnia/h2", redirect_link="https://localhost/insomnia/h3")
    Redirect.objects.create(old_path="/insomnia/h3", redirect_link="/insomnia/H4/?from=old")
    Redirect.objects.create(old_path="/insomnia/H4", redirect_link="/insomnia/h5/")
    linking = _live_science(parent, '<p>见<a href="https://localhost/insomnia/h1">指南</a></p>')

    # when the fifth is added, to lead capture
    Redirect.objects.create(old_path="/insomnia/h5", redirect_link="/packages/sleep/")

    _taken_down(linking)


def test_a_chain_through_an_unpublished_page_is_followed_on_the_recheck() -> None:
    # given a 科普 page linking /insomnia/old-tips/, which redirects to a live 科普 article
    parent = hub()
    target = _live_science(parent, rich("睡前放松方法"), slug="tips", title="放松方法")
    Redirect.objects.create(old_path="/insomnia/old-tips", redirect_page=target)
    linking = _live_science(parent, '<p>见<a href="/insomnia/old-tips/">方法</a></p>')

    # when the article is unpublished (its URL now answers 404) and its URL redirected to a
    # landing page
    target.unpublish()
    _still_live(linking)  # its URL leads nowhere yet
    Redirect.objects.create(old_path="/insomnia/tips", redirect_link="/lp/insomnia/")

    # then the page linking the first redirect is taken down
    _taken_down(linking)


def test_a_redirect_loop_ends_the_walk_and_the_page_stays_live() -> None:
    # given a live 科普 page linking into a loop of redirects (a broken link, not an ad)
    parent = hub()
    Redirect.objects.create(old_path="/insomnia/x", redirect_link="/insomnia/y/")
    linking = _live_science(parent, '<p>见<a href="/insomnia/x/">旧页</a></p>')

    # when the loop is closed
    Redirect.objects.create(old_path="/insomnia/y", redirect_link="/insomnia/x/")

    # then the re-check ends and leaves the page live, staff told nothing
    _still_live(linking)
    assert _notices() == []
