"""A public form's answer shows only what that submission chose (issue 13 point 1): a known
phone on another specialty's form must not reveal the existing patient's assistant, package
or referral code."""

from __future__ import annotations

import pytest

from funnel.models import Lead
from funnel.services.referrals import referral_code_ensure
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


def _leaks(body: str, lead: Lead, landing) -> list[str]:
    facts = [landing.assistant.name, landing.package.name, lead.referral_code, "assistant-qr"]
    return [fact for fact in facts if fact in body]


def test_a_known_phone_on_another_specialtys_form_reveals_nothing(
    client, landing, known_hair_loss_patient
) -> None:
    # given a diabetes landing page, and a hair-loss patient already known by phone
    diabetes = build_landing(slug="diabetes", name="糖尿病")

    # when someone submits that phone on the diabetes form
    sent = client.post("/lp/diabetes/", form_data(idem="k-diab"))
    assert sent.status_code == 302
    body = client.get(sent["Location"]).content.decode()

    # then the answer shows this page's package only, none of the existing patient's facts
    assert Lead.objects.count() == 1  # it was the known person (merged)
    assert _leaks(body, known_hair_loss_patient, landing) == []
    assert diabetes.package.name in body
    assert "医助正在为您安排" in body


def test_a_known_phone_reserving_a_package_sees_only_that_package(
    client, landing, known_hair_loss_patient
) -> None:
    diabetes = build_landing(slug="diabetes", name="糖尿病")

    sent = client.post(f"/packages/{diabetes.package.slug}/reserve/", form_data(idem="k-reserve"))
    assert sent.status_code == 302
    body = client.get(sent["Location"]).content.decode()

    assert _leaks(body, known_hair_loss_patient, landing) == []
    assert diabetes.package.name in body


def test_a_new_person_still_gets_their_routed_assistant_and_referral_code(client, landing):
    sent = client.post("/lp/hair-loss/", form_data(idem="k-new"))
    body = client.get(sent["Location"]).content.decode()
    lead = Lead.objects.get()
    assert "您的专属医助：林晓雯" in body
    assert landing.package.name in body
    assert lead.referral_code
    assert lead.referral_code in body


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
