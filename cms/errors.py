"""CMS error codes, the one place each is defined (as `funnel.errors` and `channels.errors`)."""

from __future__ import annotations

# Baidu's push API answered with a redirect: never followed (the token is in the query string).
UNEXPECTED_REDIRECT = "unexpected_redirect"
# Channel drafts asked of a medical ad (a 转化 article): none are made (cms.services.drafts).
DRAFTS_OF_AN_AD = "drafts_of_an_ad"
# A 科普 page whose fields hold more distinct links than its check reads in a request
# (`cms.compliance.page.MAX_PAGE_LINKS`): the save is refused with a form error, 400.
TOO_MANY_LINKS = "too_many_links"
# A page with more text than its check reads in a request (`cms.compliance.page.MAX_PAGE_CHARS`,
# `MAX_PAGE_LINES`): the save is refused with a form error, 400.
TOO_MUCH_TEXT = "too_much_text"
