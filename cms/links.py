"""Links from content toward lead capture carry the content page's id (`?content=<id>`), so
the funnel's touchpoints and the growth reports can credit the piece that converted."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlencode, urlsplit


def with_content(path: str, page_id: int | None) -> str:
    if not page_id:
        return path
    return f"{path}?{urlencode({'content': page_id})}"


def package_url(package, page=None) -> str:
    return with_content(f"/packages/{package.slug}/", getattr(page, "pk", None))


def consult_url(specialty, page=None) -> str:
    return with_content(f"/lp/{specialty.slug}/", getattr(page, "pk", None))


def site_root_url(request=None) -> str:
    """The configured base URL of the public site: the Wagtail Site serving `request` (the
    default Site without one), whose root URL `seed_demo` aligns with WAGTAILADMIN_BASE_URL.
    Canonical links, share images, video files and the sitemap all use it, so a crawler
    sees one host whatever Host header reached us."""
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    return site.root_url if site is not None else ""


def absolute_url(request, path: str) -> str:
    """`path` (a site path or an already absolute URL) on the configured base URL."""
    if path.startswith(("http://", "https://")):
        return path
    return site_root_url(request) + path


# Lead capture on this site: landing pages and service packages (see the URL confs).
CONVERSION_PATHS = {"/lp/": "landing", "/packages/": "package"}
# Links that open a conversation: phone, SMS, mail, WeChat and WeCom app schemes …
CONTACT_SCHEMES = frozenset({"tel", "sms", "mailto", "weixin", "wxwork"})
# … and the web addresses of WeChat / WeCom / QQ contact cards: host → path prefixes ("" any).
# work.weixin.qq.com/ca/ is a WeCom 获客链接 (customer-acquisition link), /kfid/ a WeCom
# customer-service chat, /u/ a member's card; weixin.qq.com/r/ and u.wechat.com a personal
# WeChat QR link; wpa.qq.com and qm.qq.com open a QQ chat or group.
CONTACT_HOSTS = {
    "work.weixin.qq.com": ("/ca/", "/kfid/", "/u/"),
    "weixin.qq.com": ("/r/",),
    "u.wechat.com": ("",),
    "wpa.qq.com": ("",),
    "qm.qq.com": ("",),
}
# Online consultation chats clinics embed (Baidu 商桥 and 爱番番, 53KF, 快商通): any address
# on these domains or their subdomains opens a conversation with the provider.
CHAT_DOMAINS = ("qiao.baidu.com", "affim.baidu.com", "53kf.com", "kuaishang.cn")
_MAX_DECODES = 8
_BROWSER_DROPS = re.compile(r"[\t\n\r]")


def normalized_path(path: str) -> str:
    """A URL path as the server routes it, for comparison: percent-decoded until it no
    longer changes (%6C → l, %256C → %6C → l), backslashes read as slashes (browsers do),
    runs of slashes collapsed, dot segments resolved (../ above the root stays at the
    root), lower-cased; a trailing slash is kept. `lp/x` (relative) reads as `/lp/x`."""
    for _ in range(_MAX_DECODES):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = re.sub(r"/{2,}", "/", "/" + path.replace("\\", "/"))
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):  # normpath keeps a leading "//" (POSIX)
        resolved = "/" + resolved.lstrip("/")
    if path.endswith(("/", "/.", "/..")) and not resolved.endswith("/"):
        resolved += "/"
    return resolved.lower()


def link_kind(href: str) -> str:
    """What a link in content leads to: "contact" (a phone, mail, WeChat/WeCom/QQ contact),
    "landing" or "package" (lead capture under /lp/ or /packages/, relative or on any host:
    the site answers under several names), or "" for anything else. One reading for the
    field check and the rendered-page check (cms.compliance), so an encoded or dotted path
    (`/%6Cp/`, `/./lp/`, `//lp/`, `/LP/`) cannot pass one of them."""
    parts = urlsplit(_BROWSER_DROPS.sub("", href or "").strip())
    scheme = parts.scheme.lower()
    if scheme in CONTACT_SCHEMES:
        return "contact"
    if scheme not in ("", "http", "https"):
        return ""
    path = normalized_path(parts.path)
    host = (parts.hostname or "").rstrip(".")
    if host in CONTACT_HOSTS and path.startswith(CONTACT_HOSTS[host]):
        return "contact"
    if any(host == domain or host.endswith("." + domain) for domain in CHAT_DOMAINS):
        return "contact"
    paths = [path + "/"]  # /lp without the slash is redirected to /lp/ (APPEND_SLASH)
    if host and "." not in host:
        # `//lp/x` is scheme-relative to a host "lp" that does not exist: a broken link or a
        # typed-out path; read as the path it looks like
        paths.append(normalized_path(f"{host}/{path}") + "/")
    for prefix, kind in CONVERSION_PATHS.items():
        if any(p.startswith(prefix) for p in paths):
            return kind
    return ""
