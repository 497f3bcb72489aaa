"""A public form's answer shows only what that submission chose (issue 13 point 1): a known
phone on another specialty's form must not reveal the existing patient's assistant, package
or referral code."""

from __future__ import annotations

import re

import pytest

from funnel.models import Assistant, Lead, PoolMember, RoutingRule
from funnel.services.referrals import referral_code_ensure
from tests.funnel.factories import AssistantFactory
from tests.landing.conftest import build_landing, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_hair_loss_patient(client, landing) -> Lead:
    landing.assistant.name = "周雅琴"
    landing.assistant.wecom_qr_url = "https://work.weixin.qq.com/ca/hairloss"
    landing.assistant.save()
    assert client.post("/lp/hair-loss/", form_data(idem="k-hair")).status_code == 302
    lead = Lead.objects.get()
    assert lead.assignee == landing.assistant
    referral_code_ensure(lead_id=lead.pk)
    lead.refresh_from_db()
    return lead


@pytest.fixture
def diabetes(landing):
    """A diabetes page whose own rule (before the catch-all) routes to its own 活码 of two."""
    page = build_landing(slug="diabetes", name="糖尿病")
    RoutingRule.objects.filter(pool=page.pool).update(specialty=page.specialty, priority=10)
    second = AssistantFactory(name="吴静怡", wecom_qr_url="https://work.weixin.qq.com/ca/diab2")
    PoolMember.objects.create(pool=page.pool, assistant=second, weight=1)
    Assistant.objects.filter(pk=page.assistant.pk).update(
        name="王思远", wecom_qr_url="https://work.weixin.qq.com/ca/diab1"
    )
    return page


def _reply(body: str) -> str:
    """The page as a visitor compares it: without the per-request CSRF/nonce noise."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)


def _thanks(client, url: str, phone: str, idem: str) -> str:
    sent = client.post(url, form_data(idem=idem, phone=phone))
    assert sent.status_code == 302, sent.content.decode()[:300]
    return _reply(client.get(sent["Location"]).content.decode())


def _hair_loss_facts(lead: Lead, landing) -> list[str]:
    return [landing.assistant.name, landing.package.name, lead.referral_code, "hairloss"]


@pytest.mark.parametrize("url", ["/lp/diabetes/", "/packages/diabetes-3m/reserve/"])
def test_a_known_phone_on_another_specialtys_form_answers_as_a_new_phone_would(
    client, landing, known_hair_loss_patient, diabetes, url
) -> None:
    # given a hair-loss patient known by phone, and a diabetes form with its own 活码
    # when someone submits that phone on the diabetes form (page or package reservation)
    known = _thanks(client, url, "13912345678", "k-known")

    # then nothing of the existing patient shows, and the answer has the shape a new
    # person's has: a diabetes assistant with a code, and this page's package
    assert Lead.objects.count() == 1  # it was the known person
    assert [
        fact for fact in _hair_loss_facts(known_hair_loss_patient, landing) if fact in known
    ] == []
    assert diabetes.package.name in known
    new = _thanks(client, url, "13700001111", "k-new")
    for answer in (known, new):
        assert re.search(r"您的专属医助：(王思远|吴静怡)", answer)
        assert 'data-testid="assistant-qr"' in answer
        assert "推荐码" not in answer  # no one's referral code on a public form's answer


def _names(client, url: str, phones: list[str], tag: str) -> list[str]:
    return [
        re.search(r"您的专属医助：(\S+?)<", _thanks(client, url, phone, f"{tag}-{i}")).group(1)
        for i, phone in enumerate(phones)
    ]


def _rotation_reset() -> None:
    from funnel.models import AssistantDayLoad

    PoolMember.objects.update(current_weight=0)
    AssistantDayLoad.objects.all().delete()


def test_known_and_new_phones_take_the_same_turns_of_the_rotation(
    client, landing, known_hair_loss_patient, diabetes
) -> None:
    """Re-review of issue 13 point 1: probing with fresh numbers around a target showed the
    rotation moving for new phones only (赵 赵 孙 孙 赵 vs 赵 赵 孙 赵 赵). A known phone's
    submission now takes its turn like a new one: the same sequence either way."""
    PoolMember.objects.filter(pool=diabetes.pool, assistant=diabetes.assistant).update(weight=3)
    _rotation_reset()
    around_known = _names(
        client,
        "/lp/diabetes/",
        ["13700005001", "13700005002", "13912345678", "13700005003", "13700005004"],
        "rk",
    )
    _rotation_reset()
    around_new = _names(
        client,
        "/lp/diabetes/",
        ["13700006001", "13700006002", "13700006000", "13700006003", "13700006004"],
        "rn",
    )
    assert around_known == around_new
    assert len(set(around_new)) == 2  # both members took turns: the check is not vacuous
    # and nothing was written to the person: the owner stays the hair-loss one
    known_hair_loss_patient.refresh_from_db()
    assert known_hair_loss_patient.assignee == landing.assistant


def test_a_known_phones_answer_follows_the_rules_on_its_own_facts(
    client, landing, known_hair_loss_patient, diabetes
) -> None:
    """Re-review: rules on keyword (also age, city, score) chose a new phone's pool from the
    submission, a known phone's from empty facts. Both now route on the submission."""
    RoutingRule.objects.create(
        name="胰岛素搜索词",
        specialty=diabetes.specialty,
        keyword_contains="胰岛素",
        pool=landing.pool,
        priority=5,  # before the diabetes page's own rule (10): smaller first
        is_active=True,
    )
    for phone, idem in (("13700007001", "kw-new"), ("13912345678", "kw-known")):
        sent = client.post(
            "/lp/diabetes/", form_data(idem=idem, phone=phone, utm_term="胰岛素怎么打")
        )
        body = client.get(sent["Location"]).content.decode()
        assert f"您的专属医助：{landing.assistant.name}" in body, phone


def test_a_known_phones_answer_is_the_same_on_reload_and_double_click(
    client, landing, known_hair_loss_patient, diabetes
) -> None:
    first = client.post("/lp/diabetes/", form_data(idem="dbl", phone="13912345678"))
    again = client.post("/lp/diabetes/", form_data(idem="dbl", phone="13912345678"))
    pages = [
        _reply(client.get(response["Location"]).content.decode())
        for response in (first, first, again)
    ]
    names = {re.search(r"您的专属医助：(\S+?)<", page).group(1) for page in pages}
    assert len(names) == 1
    # one turn of the rotation for one submission, however often it is opened or re-sent
    from funnel.models import AssistantDayLoad

    assert sum(AssistantDayLoad.objects.values_list("count", flat=True)) == 2  # + the fixture's


def test_a_known_phone_on_its_own_specialtys_form_answers_like_a_new_one(
    client, landing, known_hair_loss_patient
) -> None:
    body = _thanks(client, "/lp/hair-loss/", "13912345678", "k-again")
    assert "您的专属医助：周雅琴" in body
    assert landing.package.name in body
    assert known_hair_loss_patient.referral_code not in body


def test_a_full_or_off_duty_member_is_never_named_for_a_known_phone(
    client, landing, known_hair_loss_patient, diabetes
) -> None:
    """Review of issue 13: new phones go through caps, shifts and duty; a known phone's name
    must come from the same members, or a name no new phone gets tells it was known."""
    from django.utils import timezone

    from funnel.models import AssistantDayLoad

    # given 王思远 at today's cap, so routing sends every new diabetes lead to 吴静怡
    Assistant.objects.filter(pk=diabetes.assistant.pk).update(daily_cap=1)
    AssistantDayLoad.objects.update_or_create(
        assistant_id=diabetes.assistant.pk, day=timezone.localdate(), defaults={"count": 1}
    )
    new = _thanks(client, "/lp/diabetes/", "13700003333", "k-cap-new")
    assert "您的专属医助：吴静怡" in new
    # then a known phone, on the diabetes form, is answered with her too, however often
    for i in range(3):
        known = _thanks(client, "/lp/diabetes/", "13912345678", f"k-cap-{i}")
        assert "您的专属医助：吴静怡" in known
    # and off duty she is not named either: the overflow-less pool has nobody left
    Assistant.objects.filter(name="吴静怡").update(on_duty=False)
    assert "医助正在为您安排" in _thanks(client, "/lp/diabetes/", "13912345678", "k-off")


def test_a_new_person_gets_their_routed_assistant_and_package_but_no_referral_code(
    client, landing
) -> None:
    body = _thanks(client, "/lp/hair-loss/", "13800138000", "k-new")
    assert "您的专属医助：林晓雯" in body
    assert landing.package.name in body
    assert "推荐码" not in body  # it lives on the care plan, reached after 加微


def test_a_forged_or_old_style_thanks_token_is_refused(client, landing) -> None:
    from django.core import signing

    from landing.services.careplan import THANKS_SALT

    old_style = signing.dumps({"l": 1}, salt=THANKS_SALT)  # the lead-only token of before
    assert client.get(f"/lp/thanks/{old_style}/").status_code == 404
    assert client.get("/lp/thanks/garbage/").status_code == 404


def _readable_parts(token: str) -> str:
    """Whatever base64 or signing could reveal of a token, decoded as far as it goes."""
    import base64
    import zlib

    found = [token]
    for part in token.replace(":", ".").split("."):
        part = part.lstrip(".")
        for raw in (part, part + "=" * (-len(part) % 4)):
            try:
                data = base64.urlsafe_b64decode(raw)
            except ValueError:
                continue
            found.append(data.decode("latin-1"))
            try:
                found.append(zlib.decompress(data).decode("latin-1"))
            except zlib.error:
                pass
    return "\n".join(found)


def test_the_thanks_token_is_opaque(client, landing) -> None:
    # given a submission that reserves a package (the token carries lead, created, package)
    sent = client.post(f"/packages/{landing.package.slug}/reserve/", form_data(idem="k-opaque"))
    token = sent["Location"].rstrip("/").rsplit("/", 1)[-1]
    lead = Lead.objects.get()

    # then nothing in the URL reads as the lead id, the package or the JSON that holds them
    readable = _readable_parts(token)
    for secret in ('"l"', '"p"', f":{lead.pk},", f":{landing.package.pk}", "true", "created"):
        assert secret not in readable
    from django.core import signing

    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="landing.thanks")
    # and it still opens the thank-you page with what this submission chose
    assert client.get(sent["Location"]).status_code == 200
    assert landing.package.name in client.get(sent["Location"]).content.decode()


def test_every_other_token_is_refused(client, landing, monkeypatch) -> None:
    from django.core import signing

    from funnel.crypto import encrypt_str
    from landing.services.careplan import THANKS_SALT, thanks_token

    good = thanks_token(lead_id=1, created=True, package_id=landing.package.pk)
    old_full = signing.dumps({"l": 1, "n": True, "p": landing.package.pk}, salt=THANKS_SALT)
    other_purpose = encrypt_str('{"l": 1, "n": true, "p": null}')  # e.g. a stolen field value
    tampered = good[:-6] + ("A" if good[-6] != "A" else "B") + good[-5:]
    refused = {
        "old-signed-full": old_full,
        "other-purpose": other_purpose,
        "tampered": tampered,
        "encrypted-name": encrypt_str("张三"),
        "empty-json": encrypt_str("{}"),
    }

    answers = {
        name: client.get(f"/lp/thanks/{token}/").status_code for name, token in refused.items()
    }

    assert answers == dict.fromkeys(refused, 404)
    # a day later the real one is refused too
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 24 * 3600 + 5)
    assert client.get(f"/lp/thanks/{good}/").status_code == 404


def test_every_thanks_token_has_the_same_length() -> None:
    """Re-review: the token grew with the lead id and with a chosen package's id."""
    from landing.services.careplan import thanks_open, thanks_token

    tokens = [
        thanks_token(lead_id=lead_id, created=created, package_id=package, specialty_id=spec)
        for lead_id in (1, 99_999_999, 2**62)
        for created in (True, False)
        for package in (None, 7, 10**12)
        for spec in (None, 3)
    ]
    assert len({len(t) for t in tokens}) == 1
    assert thanks_open(token=tokens[-1]).lead_id == 2**62


def test_a_later_reassignment_changes_neither_page(
    client, landing, known_hair_loss_patient, diabetes
):
    """Third review of issue 13 point 1: a new phone's page followed its lead's live owner (an
    SLA move, the morning queue, a manual reassignment) while a known phone's stayed fixed.
    Both replies are recorded when the form is submitted."""
    from funnel.services.routing import lead_reassign

    new_at = client.post("/lp/diabetes/", form_data(idem="ra-new", phone="13700009001"))
    known_at = client.post("/lp/diabetes/", form_data(idem="ra-known", phone="13912345678"))
    before = [_reply(client.get(r["Location"]).content.decode()) for r in (new_at, known_at)]
    new_lead = Lead.objects.exclude(pk=known_hair_loss_patient.pk).get()
    others = Assistant.objects.exclude(pk=new_lead.assignee_id).exclude(pk=landing.assistant.pk)
    assert lead_reassign(lead_id=new_lead.pk, assistant_id=others.first().pk, actor=None)
    lead_reassign(lead_id=known_hair_loss_patient.pk, assistant_id=others.first().pk, actor=None)
    after = [_reply(client.get(r["Location"]).content.decode()) for r in (new_at, known_at)]
    names = [re.search(r"您的专属医助：(\S+?)<", page).group(1) for page in before + after]
    assert names[:2] == names[2:]


def test_a_queued_known_lead_is_not_routed_by_a_public_form(client, landing, diabetes) -> None:
    """Third review: a known lead waiting in the unassigned queue was routed by its public
    submission (a turn in its own pool) and then answered with a second turn."""
    from funnel.models import AssistantDayLoad

    Assistant.objects.update(on_duty=False)
    client.post("/lp/hair-loss/", form_data(idem="q-1", phone="13700009101"))
    queued = Lead.objects.get()
    assert queued.assignee_id is None
    Assistant.objects.update(on_duty=True)
    _rotation_reset()
    client.post("/lp/diabetes/", form_data(idem="q-2", phone="13700009101"))
    queued.refresh_from_db()
    assert queued.assignee_id is None  # staff drain the queue; the form does not
    assert sum(AssistantDayLoad.objects.values_list("count", flat=True)) == 1  # one turn


def test_a_merge_after_the_submission_changes_and_breaks_no_page(
    client, landing, known_hair_loss_patient, diabetes
) -> None:
    """Third review: after staff merged the lead away, a new phone's page answered 500 and a
    known phone's lost its answer (the recorded reply moved with the merge)."""
    from funnel.services.identity import lead_merge

    new_at = client.post("/lp/diabetes/", form_data(idem="mg-new", phone="13700009301"))
    known_at = client.post("/lp/diabetes/", form_data(idem="mg-known", phone="13912345678"))
    before = [client.get(r["Location"]).content.decode() for r in (new_at, known_at)]
    new_lead = Lead.objects.exclude(pk=known_hair_loss_patient.pk).get()
    keeper = Lead.objects.create(phone_hash="keeper-hash", phone="+8613700009399")
    lead_merge(keep_id=keeper.pk, drop_id=new_lead.pk)
    lead_merge(keep_id=keeper.pk, drop_id=known_hair_loss_patient.pk)
    after = [client.get(r["Location"]) for r in (new_at, known_at)]
    assert [r.status_code for r in after] == [200, 200]
    name = re.compile(r"您的专属医助：(\S+?)<")
    assert [name.search(b).group(1) for b in before] == [
        name.search(r.content.decode()).group(1) for r in after
    ]
