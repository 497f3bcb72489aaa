"""The page a landing form's submission lands on belongs to the ad, not to the 科普 site: its
footer says so (review of issue 17, round 2, L8; the pages themselves: tests/cms/test_seo.py)."""

from __future__ import annotations

import re

import pytest

from tests.landing.conftest import form_data

pytestmark = pytest.mark.django_db


def test_the_thank_you_page_after_an_ad_form_is_not_called_science(client, landing):
    sent = client.post("/lp/hair-loss/", form_data(idem="k-footer"))
    html = client.get(sent["Location"]).content.decode()

    (footer,) = re.findall(r'<footer class="site-footer"><p>(.*?)</p></footer>', html, re.S)
    assert sent.status_code == 302
    assert footer == "本页为医疗服务广告。诊疗方案因人而异，以医生面诊为准；如有不适请及时就医。"


def test_no_ad_page_says_its_content_is_health_science(client, landing):
    # the landing page itself (its own note above the footer too), and after the form
    pages = [client.get("/lp/hair-loss/")]
    sent = client.post("/lp/hair-loss/", form_data(idem="k-footer-2"))
    pages.append(client.get(sent["Location"]))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "科普参考" not in html
        assert "本页为医疗服务广告" in html
