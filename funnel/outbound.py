"""What an outbound HTTP failure may say about itself.

requests puts the whole URL of a failed call in the exception's text, query string included,
and the services we call take secrets there: WeCom's `gettoken?corpsecret=…` and every call's
`access_token=…`, Baidu's link push `token=…`, the WeCom group robot's `webhook/send?key=…`.
That text reaches logs, `last_error` columns shown in the admin and alerts, so none of it is
ever used: only the exception's kind and the host.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def request_error_text(exc: BaseException) -> str:
    """`"ConnectTimeout (qyapi.weixin.qq.com)"`: the kind of failure and the host it was
    calling, without the URL's path, query or the exception's own message."""
    request = getattr(exc, "request", None)
    url = str(getattr(request, "url", "") or "")
    host = urlsplit(url).hostname or ""
    return f"{type(exc).__name__} ({host})" if host else type(exc).__name__
