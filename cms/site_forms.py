"""The Wagtail Site form (设置 → 站点) with the 科普 compliance check of the site name.

The site name is printed in the header of every public page (`cms_tags.site_name`), 科普
pages included, and the rendered check reads it there; a Site is saved and served at once,
with no draft, revision or gate. A name the checker blocks with 科普 scope (「根治脱发医院」, a
phone number or WeChat id beside a doctor's name: 广告法第十六条、第十九条) would turn every 科普
page into a disguised ad until the daily sweep took them all down, so the form refuses it.

Wagtail 8 has no setting for the Site form (`SiteViewSet.get_form_class` returns
`wagtail.sites.forms.SiteForm`); its extension point is the admin viewset. `CheckedSiteViewSet`
is Wagtail's own with this form, registered ahead of it (cms.wagtail_hooks, hook order -1)
under the same URL prefix and its own namespace (`cms_sites`): `/admin/sites/…` resolves to
the first pattern registered, so every add and edit goes through this form
(tests/cms/test_site_name_check.py drives both through the admin and checks the resolving).
Wagtail's viewset stays registered (its menu item and `wagtailsites:` URL names reverse to
the same paths); its own views are never reached."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from wagtail.sites.forms import SiteForm
from wagtail.sites.views import SiteViewSet

from cms.compliance.checker import _BARS

# the marks a name splits its parts with (引流健康｜微信咨询, 引流健康·想面诊周二来找我):
# the checker's folding drops them, so each part is also read as a clause of its own
# (round 12, seventh verification); every bar look-alike the checker reads as one (丨 │ ┃ ︱:
# 引流健康丨微信咨询 was a name the ninth verification saved)
_NAME_PARTS = re.compile(rf"\s*[{_BARS}·•/／\-—–~～_]+\s*|\s+")

SITE_NAME_REFUSED = "站点名称会显示在每个科普页面的页头，不能含有合规检查拦截的内容：{problems}"


def site_name_problems(name: str) -> list[str]:
    """The blocking findings of the 科普 check (`check_text`, scope "science") on a site
    name, one line each: 「wording」：the rule's message. Empty when the name may be shown."""
    from cms.compliance.checker import check_text
    from cms.compliance.rendered import LINK_WHAT, text_urls
    from cms.links import link_kind, read_link

    findings = check_text(name or "", field="site_name", scopes={"science"})
    parted = _NAME_PARTS.sub("，", (name or "").strip())
    if parted != (name or "").strip():
        findings += check_text(parted, field="site_name", scopes={"science"})
    problems = list(dict.fromkeys(f"「{f.text}」{f.message}" for f in findings if f.blocking))
    # a web address written in the name is read as the page check reads it (round 10: the
    # name 「睡眠中心（t点cn/A6xYz）」 passed the text rules)
    from cms.compliance.rendered import linked_file_scan

    for url in text_urls(name or ""):
        what = LINK_WHAT.get(link_kind(url), "")
        if not what:
            # our own file with a code in it, as the page check reads an address (F6)
            codes, problem, _ = linked_file_scan(url, read_link(url).target)
            what = "含二维码的文档" if codes else ""
            if problem:
                problems.append(f"「{url}」{problem}")
        if what:
            problems.append(f"「{url}」科普页面不得展示{what}（变相发布医疗广告）")
    return problems


class CheckedSiteForm(SiteForm):
    """Wagtail's Site form; the site name must pass the 科普 check (`site_name_problems`)."""

    def clean_site_name(self) -> str:
        name = self.cleaned_data.get("site_name") or ""
        problems = site_name_problems(name)
        if problems:
            raise ValidationError(
                SITE_NAME_REFUSED.format(problems="；".join(problems)), code="site_name_blocked"
            )
        return name


class CheckedSiteViewSet(SiteViewSet):
    """Wagtail's Site views with `CheckedSiteForm` for add and edit."""

    def get_form_class(self, for_update: bool = False) -> type[SiteForm]:
        return CheckedSiteForm
