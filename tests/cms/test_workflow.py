"""Doctor review: the 医学内容审核 workflow from the data migration, approved by the 医生审核
group only, with the compliance findings on the review screen and approval refused while a
blocking finding has no recorded review certificate."""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from cms.compliance.gate import page_false_match_record
from cms.models import ArticlePage, HomePage, MedicalReviewTask, SpecialtyPage
from cms.workflows import DOCTOR_GROUP, WORKFLOW_NAME
from funnel.models import Specialty

pytestmark = pytest.mark.django_db

CERTIFICATE = f"（京）医广【{datetime.datetime.now(ZoneInfo('Asia/Shanghai')).year}】第01-23-001号"


@pytest.fixture
def hub() -> SpecialtyPage:
    specialty, _ = Specialty.objects.get_or_create(slug="insomnia", defaults={"name": "失眠"})
    page = SpecialtyPage(title="失眠专科", slug="insomnia", specialty=specialty)
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def users(django_user_model):
    def make(name: str, group: str):
        user = django_user_model.objects.create_user(name, password=f"pw-{name}-1")
        user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "editor": make("editor", "Editors"),
        "doctor": make("doctor", DOCTOR_GROUP),
        "reviewer": make("reviewer", "医疗广告审查"),
    }


def _submitted(hub, users, summary: str) -> tuple[ArticlePage, TaskState]:
    """An editor's draft article, submitted for moderation as the admin's submit does."""
    article = ArticlePage(
        title="晚上睡不着怎么办", slug="sleep", layer="expert", summary=summary, live=False
    )
    hub.add_child(instance=article)
    article.save_revision(user=users["editor"])
    workflow = article.get_workflow()
    workflow.start(article, users["editor"])
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk))
    return article, state


def _action_url(article, action: str, state: TaskState) -> str:
    return reverse("wagtailadmin_pages:workflow_action", args=(article.pk, action, state.pk))


def _modal_html(response) -> str:
    return json.loads(response.content)["html"]


def test_the_migration_assigns_the_doctor_workflow_to_the_content_tree(hub):
    article = ArticlePage(title="草稿", slug="draft", live=False)
    hub.add_child(instance=article)

    workflow = article.get_workflow()

    assert workflow.name == WORKFLOW_NAME
    tasks = [t.specific for t in workflow.tasks]
    assert [type(t) for t in tasks] == [MedicalReviewTask]
    assert [g.name for g in tasks[0].groups.all()] == [DOCTOR_GROUP]
    assert Group.objects.get(name=DOCTOR_GROUP).permissions.filter(codename="access_admin").exists()


def test_submitted_article_is_published_when_a_doctor_approves(client, hub, users):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])

    review = client.get(_action_url(article, "approve", state))
    approved = client.post(_action_url(article, "approve", state), {"comment": "内容准确"})

    assert review.status_code == 200
    assert "未发现医疗广告合规问题" in _modal_html(review)
    assert approved.status_code == 302
    article.refresh_from_db()
    state.refresh_from_db()
    assert article.live is True
    assert (state.status, state.finished_by) == ("approved", users["doctor"])
    assert WorkflowState.objects.get(pk=state.workflow_state_id).status == "approved"


def test_a_non_doctor_cannot_approve(client, hub, users):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["editor"])

    response = client.post(_action_url(article, "approve", state), {"comment": "自己通过"})

    assert state.task.specific.get_actions(article, users["editor"]) == []
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    article.refresh_from_db()
    state.refresh_from_db()
    assert article.live is False
    assert state.status == "in_progress"


def test_warnings_are_shown_on_the_review_screen_and_do_not_stop_approval(client, hub, users):
    article, state = _submitted(hub, users, "这是一种无痛的检查方式。")
    client.force_login(users["doctor"])

    html = _modal_html(client.get(_action_url(article, "approve", state)))
    client.post(_action_url(article, "approve", state), {"comment": "措辞已核对"})

    assert "医疗广告合规检查（本次送审版本）" in html
    assert "<mark>无痛</mark>" in html
    assert 'data-rule="warn-safety-wording"' in html
    article.refresh_from_db()
    assert article.live is True


def test_the_review_screen_says_a_science_ad_finding_cannot_be_ruled_a_false_match(
    client, hub, users
):
    """Round-34 tester F10: the doctor's dialog told her a 第十九条 finding (a phone number on a
    科普 article) could be ruled a false match; the editor's panel and the refusal say it is
    deleted, never cleared."""
    article, state = _submitted(hub, users, "失眠可以先调整作息，咨询电话13800001111。")
    client.force_login(users["doctor"])

    html = _modal_html(client.get(_action_url(article, "approve", state)))

    assert "data-compliance-science-ad" in html
    assert "1 处属于科普内容中的广告内容" in html
    assert "如确属误判，由“医疗广告审查”组成员确认为误报" not in html


REFUSED_APPROVE = "审核通过（合规检查未通过，将退回编辑）"


def _approve_label(task, article, user) -> str:
    return dict((name, label) for name, label, _ in task.get_actions(article, user))["approve"]


@pytest.mark.parametrize("xhr", [False, True])
def test_an_approval_the_gate_refuses_returns_the_page_to_the_editor_with_the_reason(
    client, hub, users, xhr
):
    """issue 17 review round 2, L1: the doctor landed on 「对不起，你没有权限访问。」 with no
    reason, and the task stayed in progress where the editor cannot edit the page."""
    article, state = _submitted(hub, users, "坚持六周，保证疗效。")
    doctor = users["doctor"]
    client.force_login(doctor)

    label = _approve_label(state.task.specific, article, doctor)
    reject_screen = _modal_html(client.get(_action_url(article, "reject", state)))
    headers = {"x-requested-with": "XMLHttpRequest"} if xhr else {}
    refused = client.post(
        _action_url(article, "approve", state), {"comment": "通过"}, headers=headers
    )
    visited, html = _dashboard_after(client, refused)

    # then the doctor was told what approving would do and now reads the gate's reason
    assert label == REFUSED_APPROVE
    assert "阻止发布" in reject_screen
    assert "<mark>保证疗效</mark>" in reject_screen
    assert visited[-1] == "/admin/"
    assert "没有权限" not in html
    assert "合规检查未通过，未发布，已退回编辑修改" in html
    assert "保证疗效" in html
    # nothing was published; the page is back with the editor, who may edit it
    article.refresh_from_db()
    state.refresh_from_db()
    assert (article.live, state.status) == (False, "rejected")
    assert state.workflow_state.status == "needs_changes"
    client.force_login(users["editor"])
    assert client.get(f"/admin/pages/{article.pk}/edit/").status_code == 200

    # when the medical-ad reviewer rules the finding a false match (a 科普 article takes no
    # certificate, round 13 F7) and the editor resubmits
    page_false_match_record(page=article.get_latest_revision_as_object(), user=users["reviewer"])
    state.workflow_state.resume(users["editor"])
    again = TaskState.objects.filter(
        workflow_state__object_id=str(article.pk), status="in_progress"
    ).get()
    client.force_login(doctor)
    article.refresh_from_db()
    assert _approve_label(again.task.specific, article, doctor) == "审核通过"
    approved = client.post(_action_url(article, "approve", again), {"comment": "审查人员已确认"})

    # then the doctor's approval publishes it
    assert approved.status_code == 302
    article.refresh_from_db()
    assert article.live is True
    assert (article.ad_review_certificate, article.ad_review_recorded_by) == ("", users["reviewer"])


def test_a_publication_refused_after_the_check_returns_the_page_too(hub, users, monkeypatch):
    """The publication itself refused (the certificate taken by another ad meanwhile, an
    expiry at midnight): the same return to the editor, nothing half-approved."""
    from cms.compliance import gate

    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")

    def refuse(**kwargs):
        raise gate.CompliancePublishBlocked(
            gate.GateDecision(False, "duplicate", gate.CERTIFICATE_TAKEN, None)
        )

    monkeypatch.setattr(gate, "page_publish_gate", refuse)
    url = state.task.specific.on_action(state, users["doctor"], "approve")

    state.refresh_from_db()
    article.refresh_from_db()
    assert url == reverse("cms_review_done", args=(state.pk,))
    assert (article.live, state.status) == (False, "rejected")
    assert state.comment.endswith(gate.CERTIFICATE_TAKEN)
    assert state.workflow_state.status == "needs_changes"


def test_the_doctor_finds_the_submission_on_the_dashboard_and_in_the_editor(client, hub, users):
    article, _ = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])

    dashboard = client.get("/admin/")
    editor = client.get(f"/admin/pages/{article.pk}/edit/")

    assert dashboard.status_code == 200
    assert "晚上睡不着怎么办" in dashboard.content.decode()
    assert editor.status_code == 200
    assert "审核通过" in editor.content.decode()
    assert "退回修改" in editor.content.decode()


def test_a_revision_is_checked_once_however_often_its_actions_are_asked(
    hub, users, monkeypatch
) -> None:
    from cms.compliance import page as compliance_page

    article, state = _submitted(hub, users, "保证疗效，一次见效。")
    calls = []
    real = compliance_page.check_page
    monkeypatch.setattr(
        compliance_page, "check_page", lambda page: calls.append(page.pk) or real(page)
    )
    task = state.task.specific

    # the dashboard, the review screen and a second visit all ask for the actions
    for _ in range(3):
        assert _approve_label(task, article, users["doctor"]) == REFUSED_APPROVE

    assert calls == [article.pk]
    # a new revision (the editor's fix, returned and resubmitted) is checked afresh
    state.reject(user=users["doctor"])
    article.summary = "失眠的常见原因和就诊建议。"
    article.save_revision(user=users["editor"])
    state.workflow_state.resume(users["editor"])
    assert _approve_label(task, article, users["doctor"]) == "审核通过"
    assert calls == [article.pk, article.pk]


def _form_login(client, username: str) -> bool:
    """Log in through the admin's login form (django-axes throttles by the request)."""
    response = client.post("/admin/login/", {"username": username, "password": "yinliu-demo"})
    return response.status_code == 302


def test_the_demo_review_team_can_walk_the_seeded_submission_to_publication(seeded, client):
    # given the seed: an editor's article waiting for the demo doctor
    article = ArticlePage.objects.get(slug="insomnia-review-demo")
    assert not article.live
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk), status="in_progress")
    assert _form_login(client, "yisheng_zhou")

    # when the demo doctor approves it in the admin
    response = client.post(_action_url(article, "approve", state), {"comment": "内容准确"})

    # then it is published, and the other two demo roles can log in too
    assert response.status_code in (200, 302)
    assert ArticlePage.objects.get(pk=article.pk).live
    for username in ("bianji_chen", "shencha_li"):
        client.logout()
        assert _form_login(client, username)


# --- where the reviewer lands (review of issue 17, round 2, L1) ----------------------------
def _edit_form_data(html: str) -> dict[str, list[str]]:
    """The page editor's form as a browser would send it unchanged: every named input with
    its value (checkboxes and radios when checked), textareas and selected options."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.data: dict[str, list[str]] = {}
            self.inside_form = False
            self.textarea: str | None = None
            self.select: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and a.get("id") == "page-edit-form":
                self.inside_form = True
            if not self.inside_form or not a.get("name") and tag != "option":
                return
            if tag == "input":
                kind = a.get("type", "text")
                if kind in ("submit", "button", "file"):
                    return
                if kind in ("checkbox", "radio") and "checked" not in a:
                    return
                self.data.setdefault(a["name"], []).append(a.get("value") or "")
            elif tag == "textarea":
                self.textarea = a["name"]
                self.data.setdefault(a["name"], []).append("")
            elif tag == "select":
                self.select = a["name"]
            elif tag == "option" and self.select and "selected" in a:
                self.data.setdefault(self.select, []).append(a.get("value") or "")

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None
            elif tag == "select":
                self.select = None
            elif tag == "form":
                self.inside_form = False

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea][-1] += data

    parser = Form()
    parser.feed(html)
    return parser.data


def _dashboard_after(client, response) -> tuple[list[str], str]:
    """Follows a redirect (a modal's JSON answer or a 302) as the browser does: the URLs
    visited and the final page."""
    if response["Content-Type"].startswith("application/json"):
        url = json.loads(response.content)["redirect"]
    else:
        url = response["Location"]
    visited = [url]
    final = client.get(url)
    while final.status_code == 302:
        visited.append(final["Location"])
        final = client.get(final["Location"])
    assert final.status_code == 200
    return visited, final.content.decode()


@pytest.mark.parametrize("xhr", [True, False], ids=["modal", "form-post"])
@pytest.mark.parametrize(
    ("action", "summary", "message"),
    [
        ("approve", "规律作息是改善睡眠的基础。", "「晚上睡不着怎么办」已审核通过并发布。"),
        ("reject", "规律作息是改善睡眠的基础。", "「晚上睡不着怎么办」已退回修改"),
        ("reject", "坚持六周，保证疗效。", "「晚上睡不着怎么办」已退回修改"),
    ],
)
def test_a_doctor_lands_on_the_dashboard_with_the_outcome_after_a_review(
    client, hub, users, xhr, action, summary, message
):
    """Approving (or rejecting) from the dashboard's review buttons sent the doctor to the
    page's editor, which they may no longer open: 「没有权限」."""
    article, state = _submitted(hub, users, summary)
    client.force_login(users["doctor"])
    headers = {"x-requested-with": "XMLHttpRequest"} if xhr else {}

    url = _action_url(article, action, state)
    response = client.post(url, {"comment": "已阅"}, headers=headers)
    visited, html = _dashboard_after(client, response)

    assert visited[-1] == "/admin/"
    assert message in html
    assert "没有权限" not in html
    assert f"/admin/pages/{article.pk}/edit/" not in visited


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_doctor_deciding_in_the_editor_lands_on_the_dashboard_too(client, hub, users, action):
    article, _ = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])
    edit_url = f"/admin/pages/{article.pk}/edit/"
    data = _edit_form_data(client.get(edit_url).content.decode())
    # the body is a StreamField the browser's JS serialises; this article's body is empty
    data["body-count"] = ["0"]
    # what the footer's 审核通过 / 退回修改 button adds (退回修改 after its dialog's comment)
    data.update({"action-workflow-action": ["true"], "workflow-action-name": [action]})
    if action == "reject":
        data["workflow-action-extra-data"] = [json.dumps({"comment": "请补充睡眠卫生的做法"})]

    response = client.post(edit_url, data)
    visited, html = _dashboard_after(client, response)

    article.refresh_from_db()
    assert article.live is (action == "approve")
    assert visited[-1] == "/admin/"
    assert ("已审核通过并发布" if action == "approve" else "已退回修改") in html
    assert "没有权限" not in html


@pytest.mark.parametrize("extra", [None, {"comment": "\u00ad"}, {"comment": "\ufe0f\u034f"}])
def test_a_reject_posted_from_the_editor_without_a_visible_comment_is_refused(
    client, hub, users, extra
):
    """Twentieth re-verification D-5: the edit form's post, made by hand without the dialog,
    sent the task back with a soft hyphen for a comment."""
    from wagtail.models import TaskState

    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])
    edit_url = f"/admin/pages/{article.pk}/edit/"
    data = _edit_form_data(client.get(edit_url).content.decode())
    data["body-count"] = ["0"]
    data.update({"action-workflow-action": ["true"], "workflow-action-name": ["reject"]})
    if extra is not None:
        data["workflow-action-extra-data"] = [json.dumps(extra)]

    response = client.post(edit_url, data, follow=True)

    assert TaskState.objects.get(pk=state.pk).status == TaskState.STATUS_IN_PROGRESS
    # back in the editor, told what to do, not Wagtail's 「没有权限」 (twenty-first
    # verification B)
    assert response.redirect_chain[-1][0] == edit_url
    html = response.content.decode()
    assert "请写明需要修改的内容后再退回" in html
    assert "没有权限" not in html


@pytest.mark.parametrize("raw", ["{not json", "[]", '"x"', "1", "null"])
def test_a_workflow_decision_with_unreadable_data_is_a_400_not_a_500(client, hub, users, raw):
    from wagtail.models import TaskState

    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])
    edit_url = f"/admin/pages/{article.pk}/edit/"
    data = _edit_form_data(client.get(edit_url).content.decode())
    data["body-count"] = ["0"]
    data.update(
        {
            "action-workflow-action": ["true"],
            "workflow-action-name": ["reject"],
            "workflow-action-extra-data": [raw],
        }
    )

    response = client.post(edit_url, data)

    assert response.status_code == 400
    assert response["X-Error-Code"] == "form_unreadable"
    assert TaskState.objects.get(pk=state.pk).status == TaskState.STATUS_IN_PROGRESS


def test_a_superuser_reviewing_still_returns_to_the_editor(client, hub, users, django_user_model):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    admin = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    client.force_login(admin)

    response = client.post(_action_url(article, "approve", state), {"comment": "好"})

    assert response["Location"] == f"/admin/pages/{article.pk}/edit/"


def test_the_outcome_page_tells_nobody_else_about_the_review(client, hub, users):
    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])
    client.post(_action_url(article, "approve", state), {"comment": "好"})
    client.force_login(users["editor"])

    response = client.get(reverse("cms_review_done", args=(state.pk,)), follow=True)

    assert response.redirect_chain == [("/admin/", 302)]
    assert "已审核通过" not in response.content.decode()


def test_approving_a_scheduled_version_says_when_it_goes_live(client, hub, users):
    """Eighteenth re-verification C-F3: approving a version scheduled for later said
    「已审核通过并发布」 although nothing was published yet."""
    import datetime as dt

    from django.utils import timezone

    article = ArticlePage(
        title="晚上睡不着怎么办", slug="sleep", layer="expert", summary="规律作息。", live=False
    )
    hub.add_child(instance=article)
    article.go_live_at = timezone.now() + dt.timedelta(days=1)
    article.save_revision(user=users["editor"])
    article.get_workflow().start(article, users["editor"])
    state = TaskState.objects.get(workflow_state__object_id=str(article.pk))
    client.force_login(users["doctor"])

    response = client.post(_action_url(article, "approve", state), {"comment": "已阅"})
    _visited, html = _dashboard_after(client, response)

    article.refresh_from_db()
    assert not article.live
    assert "「晚上睡不着怎么办」已审核通过，将于" in html
    assert "定时发布" in html
    assert "已审核通过并发布" not in html


@pytest.mark.parametrize(
    "comment",
    [
        "",
        "   ",
        "\u3000",
        "\u200b",
        "\ufeff\u2060",
        "\u00ad",
        "\u2800",
        "\u3164",
        "\u115f",
        "\u202e",
        "\u00a0\u200d",
        "\ufe0f\u034f",  # combining marks alone (D-5)
        "\U000e0100",
        # punctuation or symbols alone say nothing to change (twenty-first verification B)
        "。。。",
        "...",
        "-",
        "？",
        "～",
        "_*",
        "👍",
    ],
)
def test_sending_back_needs_a_comment(client, hub, users, comment):
    """Nineteenth verification C-F7: the reject dialog asks what to change and accepted an
    empty comment; the editor then had nothing to revise by."""
    from wagtail.models import TaskState

    article, state = _submitted(hub, users, "规律作息是改善睡眠的基础。")
    client.force_login(users["doctor"])
    url = _action_url(article, "reject", state)

    response = client.post(
        url, {"comment": comment}, headers={"x-requested-with": "XMLHttpRequest"}
    )

    assert response.json()["step"] == "action"  # the dialog again, with the error
    assert "请写明需要修改的内容后再退回" in response.json()["html"]
    assert TaskState.objects.get(pk=state.pk).status == TaskState.STATUS_IN_PROGRESS
    # with a comment it is sent back
    client.post(
        url, {"comment": "请补充睡眠卫生的具体做法"}, headers={"x-requested-with": "XMLHttpRequest"}
    )
    assert TaskState.objects.get(pk=state.pk).status == TaskState.STATUS_REJECTED
