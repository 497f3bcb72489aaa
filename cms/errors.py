"""CMS error codes, the one place each is defined (as `funnel.errors` and `channels.errors`)."""

from __future__ import annotations

# Baidu's push API answered with a redirect: never followed (the token is in the query string).
UNEXPECTED_REDIRECT = "unexpected_redirect"
