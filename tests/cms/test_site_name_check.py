"""The Wagtail Site's name is printed in every 科普 page's header and read by the rendered
check, but a Site is saved and served at once: the admin's Site form (设置 → 站点) refuses a
name the checker blocks with 科普 scope, naming the rule's message (cms.site_forms). Driven
through the admin views, as an administrator uses them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve
from wagtail.models import Site

from cms.models import HomePage
from cms.site_forms import CheckedSiteForm

pytestmark = pytest.mark.django_db

GUARANTEE = "不得对疗效、安全性作断言或保证"
CONTACT = "科普内容不得附带电话、微信号、二维码等联系方式"
BLOCKED = [("根治脱发医院", GUARANTEE, "根治"), ("周医生 13812345678", CONTACT, "13812345678")]


@pytest.fixture
def admin(client):
    from tests.conftest import ensure_site_tree

    ensure_site_tree()
    user = get_user_model().objects.create_superuser("site-admin", "a@example.cn", "pw-for-tests")
    client.force_login(user)
    return client


def _site_data(name: str, *, hostname: str = "m.clinic.cn", default: bool = False) -> dict:
    data = {
        "hostname": hostname,
        "port": "80",
        "site_name": name,
        "root_page": str(HomePage.objects.first().pk),
    }
    if default:
        data["is_default_site"] = "on"
    return data


def _errors(response) -> list[str]:
    form = response.context["form"]
    return list(form.errors.get("site_name", []))


def test_the_admin_site_urls_reach_the_checked_form() -> None:
    # the add and edit views Wagtail's menu and links lead to use our form
    for path in ("/admin/sites/new/", "/admin/sites/edit/1/"):
        assert resolve(path).func.view_initkwargs["form_class"] is CheckedSiteForm


@pytest.mark.parametrize(("name", "message", "wording"), BLOCKED)
def test_a_new_site_with_a_blocked_name_is_refused_naming_the_rule(
    admin, name, message, wording
) -> None:
    response = admin.post("/admin/sites/new/", _site_data(name))

    assert response.status_code == 200
    (error,) = _errors(response)
    assert error.startswith("站点名称会显示在每个科普页面的页头")
    assert message in error
    assert f"「{wording}」" in error
    assert not Site.objects.filter(hostname="m.clinic.cn").exists()


@pytest.mark.parametrize(("name", "message", "wording"), BLOCKED)
def test_renaming_the_site_to_a_blocked_name_is_refused_and_the_old_name_stays(
    admin, name, message, wording
) -> None:
    site = Site.objects.get(is_default_site=True)
    site.site_name = "仁心皮肤科"
    site.save()

    response = admin.post(
        f"/admin/sites/edit/{site.pk}/", _site_data(name, hostname=site.hostname, default=True)
    )

    assert response.status_code == 200
    (error,) = _errors(response)
    assert message in error
    site.refresh_from_db()
    assert site.site_name == "仁心皮肤科"
    # and the public header still shows the old name
    assert "仁心皮肤科" in admin.get("/").content.decode()


def test_an_allowed_name_is_saved_on_create_and_on_edit(admin) -> None:
    # the listing and the forms open as Wagtail's do
    assert admin.get("/admin/sites/").status_code == 200
    assert admin.get("/admin/sites/new/").status_code == 200

    created = admin.post("/admin/sites/new/", _site_data("仁心皮肤科"))

    assert created.status_code == 302
    site = Site.objects.get(hostname="m.clinic.cn")
    assert site.site_name == "仁心皮肤科"

    listing = admin.get("/admin/sites/").content.decode()
    assert "仁心皮肤科" in listing
    assert f"/admin/sites/edit/{site.pk}/" in listing
    assert admin.get(f"/admin/sites/edit/{site.pk}/").status_code == 200
    edited = admin.post(f"/admin/sites/edit/{site.pk}/", _site_data("仁心皮肤科门诊部"))

    assert edited.status_code == 302
    site.refresh_from_db()
    assert site.site_name == "仁心皮肤科门诊部"


def test_an_empty_name_stays_allowed(admin) -> None:
    # no name: the header shows the default (引流健康), as before
    response = admin.post("/admin/sites/new/", _site_data(""))

    assert response.status_code == 302
    assert Site.objects.get(hostname="m.clinic.cn").site_name == ""


@pytest.mark.parametrize(
    ("name", "wording"),
    [
        ("睡眠中心（t点cn/A6xYz）", "https://t.cn/A6xYz"),
        ("睡眠医学中心 V我hair2024", "V我"),
        # round 12: a platform searched for by name, a group to join
        ("引流健康 搜公众号引流健康", "搜公众号引流健康"),
        ("引流健康｜加群交流", "加群"),
        # ninth verification: a bar look-alike is a bar (丨 U+4E28, │ U+2502, ︱ U+FE31)
        ("引流健康丨加群交流", "加群"),
        ("引流健康│加群交流", "加群"),
        ("引流健康︱加群交流", "加群"),
    ],
)
def test_a_name_with_an_address_as_text_or_a_wechat_nickname_is_refused(admin, name, wording):
    # the verification's V11: what the page check refuses, the name check refuses too
    response = admin.post("/admin/sites/new/", _site_data(name))

    assert response.status_code == 200
    (error,) = _errors(response)
    assert f"「{wording}」" in error
    assert not Site.objects.filter(hostname="m.clinic.cn").exists()


def test_a_name_naming_our_own_file_with_a_code_is_refused(admin) -> None:
    # F6: the address of our own document holding a QR code, written in the name
    import io

    import segno
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    buffer = io.BytesIO()
    segno.make("https://work.weixin.qq.com/ca/cawcde0123456789").save(buffer, kind="png", scale=8)
    document = Document.objects.create(
        title="码", file=ContentFile(buffer.getvalue(), name="qr.png")
    )

    response = admin.post("/admin/sites/new/", _site_data(f"睡眠中心 localhost{document.url}"))

    assert response.status_code == 200
    (error,) = _errors(response)
    assert "含二维码的文档" in error


@pytest.mark.parametrize(
    "name", ["脱发 加微信yinliu2024", "失眠｜微信咨询", "糖尿病（电话 0755-8888-6666）"]
)
def test_a_specialty_name_with_a_contact_is_refused(name) -> None:
    # seventh verification: the name shows on doctor pages and in every 科普 article's metadata
    from django.core.exceptions import ValidationError

    from funnel.models import Specialty

    with pytest.raises(ValidationError) as refused:
        Specialty(name=name, slug="x").full_clean()
    assert "科普页面会展示此内容" in str(refused.value.message_dict["name"])


def test_a_specialty_description_with_an_invitation_is_refused_and_a_plain_one_saved() -> None:
    from django.core.exceptions import ValidationError

    from funnel.models import Specialty

    with pytest.raises(ValidationError) as refused:
        Specialty(name="脱发", slug="hair", description="想面诊的话，周二来找我").full_clean()
    assert list(refused.value.message_dict) == ["description"]
    Specialty(name="脱发", slug="hair", description="雄激素性脱发与斑秃的科普").full_clean()
