"""Security headers every response carries, however it was produced; one size limit for every
request body.

The landing page cache answers anonymous visitors before most middleware runs
(`landing.middleware.LandingCacheMiddleware`), so the header middlewares sit outside it in
settings.MIDDLEWARE: a cached page is framed, sniffed and referred exactly like a fresh one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from draftjs_exporter.error import ExporterException

from funnel.outbound import outbound_budget

logger = logging.getLogger(__name__)

FRAME_ANCESTORS = {"DENY": "frame-ancestors 'none'", "SAMEORIGIN": "frame-ancestors 'self'"}


class FrameAncestorsMiddleware:
    """`Content-Security-Policy: frame-ancestors` matching `X-Frame-Options` (set by Django's
    XFrameOptionsMiddleware, inside this one): browsers that honour only CSP get the same
    rule. A response with its own CSP, or exempted from framing rules, is left as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = FRAME_ANCESTORS.get(response.get("X-Frame-Options", "").upper())
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


PAYLOAD_TOO_LARGE = "payload_too_large"
PAYLOAD_TOO_LARGE_MESSAGE = "请求体过大 / the body is too large"


def _too_large() -> JsonResponse:
    return JsonResponse(
        {"error": PAYLOAD_TOO_LARGE, "message": PAYLOAD_TOO_LARGE_MESSAGE}, status=413
    )


# Where staff upload files (Wagtail documents and images, care-plan photos, Django admin):
# only there may a multipart body be larger than DATA_UPLOAD_MAX_MEMORY_SIZE, and only for a
# logged-in user (AdminBodyLimitMiddleware).
UPLOAD_PATH_PREFIXES = ("/admin/", "/django-admin/")


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class BodySizeLimitMiddleware:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 `payload_too_large` on every
    endpoint (API, landing and package forms, webhooks), before any view, CSRF check or
    parser meets Django's RequestDataTooBig (a 400 or, inside a framework, a 500).

    A declared length over the limit is refused at once, whatever its content type, except a
    multipart upload under the staff admin (`UPLOAD_PATH_PREFIXES`): it is left unread for
    AdminBodyLimitMiddleware, which runs once the session tells who is asking."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            content_type = request.META.get("CONTENT_TYPE", "").lower()
            upload = content_type.startswith("multipart/form-data") and request.path.startswith(
                UPLOAD_PATH_PREFIXES
            )
            if not upload:
                return _too_large()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        return None


class AdminBodyLimitMiddleware:
    """The admin's bodies, once the session tells who is asking (after AuthenticationMiddleware,
    before CSRF's check and the views, which would parse the body).

    Anonymous (the login form, or any admin URL before login): a declared length over
    ADMIN_ANONYMOUS_MAX_BYTES answers 413 `payload_too_large`, the body unread. Logged in: a
    multipart upload over DATA_UPLOAD_MAX_MEMORY_SIZE (let through by BodySizeLimitMiddleware)
    is parsed here with the limit counting the non-file fields only (uploads are larger by
    right; Wagtail checks file sizes); any failure to parse it (fields too large, too many
    fields or files, a broken or missing boundary) is the same 413, never Django's bare 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(UPLOAD_PATH_PREFIXES):
            return self.get_response(request)
        length = _declared_length(request)
        if not request.user.is_authenticated:
            if length > settings.ADMIN_ANONYMOUS_MAX_BYTES:
                return _too_large()
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            try:
                request.POST  # noqa: B018  (parsed once, kept on the request)
            except (SuspiciousOperation, MultiPartParserError):
                # RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent are SuspiciousOperation
                return _too_large()
        return self.get_response(request)


FORM_UNREADABLE = "form_unreadable"
TOO_MANY_FIELDS = "too_many_fields"
ID_OUT_OF_RANGE = "id_out_of_range"
_ADMIN_FORM_ERRORS = {
    ID_OUT_OF_RANGE: "链接或表单中的编号超出范围，不是有效的编号。"
    "未保存任何更改，请返回后重新操作。",
    FORM_UNREADABLE: "提交的表单数据无法读取（编辑器数据格式不对，可能被浏览器插件或脚本改动）。"
    "未保存任何更改，请刷新页面后重新编辑。",
    TOO_MANY_FIELDS: "表单字段过多（超过 {limit} 个），未保存任何更改。"
    "请把内容拆分到多个页面或减少区块数量。",
}


def _admin_form_error(request: HttpRequest, code: str) -> HttpResponse:
    message = _ADMIN_FORM_ERRORS[code].format(limit=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    back = escape(request.headers.get("Referer") or "/admin/")
    html = (
        '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>无法保存</title>'
        f"<h1>无法保存</h1><p>{escape(message)}</p><p>错误代码：{code}</p>"
        f'<p><a href="{back}">返回</a></p></html>'
    )
    response = HttpResponse(html, status=400, content_type="text/html; charset=utf-8")
    response["X-Error-Code"] = code
    return response


# What a widget reading its posted value raises on data no browser sends: the lookups and
# conversions of JSON (ValueError … IndexError), the rich-text exporter's own errors and a
# recursion exhausted by absurd nesting (round 13 verification, F2). A net behind
# `cms.rich_text.contentstate_problem`, which refuses the shapes it knows first.
_READING_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    RecursionError,
    ExporterException,
)


def _raised_reading_form_data(exception: BaseException) -> bool:
    tb = exception.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "value_from_datadict":
            return True
        tb = tb.tb_next
    return False


def _id_out_of_range(exception: BaseException) -> bool:
    """A number too large for the database's integer column reached a query: SQLite's driver
    refuses to bind it (OverflowError 「Python int too large to convert to SQLite INTEGER」),
    PostgreSQL answers 22003 numeric_value_out_of_range. Only a value from the request gets
    that large: the admin answers 400, as for any id it cannot find."""
    from django.db import DataError

    if isinstance(exception, OverflowError):
        return "too large to convert to SQLite INTEGER" in str(exception)
    if isinstance(exception, DataError):
        cause = exception.__cause__
        return getattr(cause, "sqlstate", None) == "22003" or "out of range" in str(exception)
    return False


def _raised_looking_up_a_choice(exception: BaseException) -> bool:
    """An id too large for the database (「999…9」 posted into a chooser: SQLite raises
    OverflowError, PostgreSQL an out-of-range DataError) while a form field's `to_python` or
    a StreamField block looked the choice up (Django's ModelChoiceField catches only
    ValueError and TypeError; twentieth verification B6)."""
    from django.db import DataError

    if not isinstance(exception, OverflowError | DataError):
        return False
    tb = exception.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        path = code.co_filename.replace("\\", "/")
        # a form field's lookup, or a StreamField block's (a chooser inside a block:
        # 「trust-0-value-doctor=999…9」, twentieth re-verification D-6)
        if (code.co_name == "to_python" and "/django/forms/" in path) or "/wagtail/blocks/" in path:
            return True
        tb = tb.tb_next
    return False


# A JSON escape of a lone surrogate (U+D800–U+DFFF) inside a posted field: a high one not
# followed by a low one, or a low one alone; not an escaped backslash's text (「\\\\udcff」).
_LONE_SURROGATE_ESCAPE = re.compile(
    r"(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class AdminLoneSurrogateMiddleware:
    """A logged-in admin form's fields without JSON escapes of lone surrogates: each reads as
    U+FFFD (「\\ufffd」). Wagtail's rich-text and StreamField widgets post JSON, and a browser
    escapes a lone surrogate left by a bad paste (「"text":"正常\\udcff文本"」); decoded, no
    database stores it, and the edit form echoing it back cannot be encoded: a 500 after the
    compliance check had failed on it too (seventh verification of issue 17). RFC 8259 §8.2:
    such a string's meaning is unpredictable. After AdminBodyLimitMiddleware, which bounds
    what is parsed here; a body that does not parse answers `too_many_fields` or
    `form_unreadable` (AdminFormErrorMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.path.startswith(UPLOAD_PATH_PREFIXES)
            and request.content_type in _FORM_TYPES
            and request.user.is_authenticated
        ):
            try:
                posted = request.POST
            except TooManyFieldsSent:
                return _admin_form_error(request, TOO_MANY_FIELDS)
            except (SuspiciousOperation, MultiPartParserError):
                # Django leaves an empty POST behind: the view would read a form of nothing
                return _admin_form_error(request, FORM_UNREADABLE)
            if any(_LONE_SURROGATE_ESCAPE.search(v) for _, vs in posted.lists() for v in vs):
                fixed = posted.copy()
                for key, values in posted.lists():
                    fixed.setlist(key, [_LONE_SURROGATE_ESCAPE.sub(r"\\ufffd", v) for v in values])
                fixed._mutable = False
                request.POST = fixed
        return self.get_response(request)


class AdminFormErrorMiddleware:
    """An admin form post that cannot be read answers 400 with a clear Chinese page and an
    error code, never a 500 or Django's bare 400. Two kinds:
    - `form_unreadable`: a widget failed to read its posted value (Wagtail's Draftail widget
      `json.loads` the rich text's contentstate and its exporter indexes into it: malformed
      or mis-shaped JSON raised inside the editor's save, the seventh verification of
      issue 17). Recognised by the frame that raised (`value_from_datadict`, Django's widget
      API), so a bug elsewhere still reports as the 500 it is.
    - `too_many_fields`: more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (TooManyFieldsSent).
    Nothing was saved in either case: the form had not been validated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not request.path.startswith(UPLOAD_PATH_PREFIXES):
            return None
        if request.method == "POST":
            if isinstance(exception, TooManyFieldsSent):
                return _admin_form_error(request, TOO_MANY_FIELDS)
            if (
                isinstance(exception, _READING_ERRORS) and _raised_reading_form_data(exception)
            ) or _raised_looking_up_a_choice(exception):
                logger.warning("admin form data unreadable at %s: %r", request.path, exception)
                return _admin_form_error(request, FORM_UNREADABLE)
        if _id_out_of_range(exception):
            # any other admin URL or form: 「?id=999…9」 on a bulk action, 「?user=999…9」 on
            # the site history, a multiple choice's value (twenty-first verification B)
            logger.warning("admin id out of range at %s: %r", request.path, exception)
            return _admin_form_error(request, ID_OUT_OF_RANGE)
        return None


class OutboundBudgetMiddleware:
    """Every web request may spend at most settings.OUTBOUND_REQUEST_BUDGET_SECONDS calling
    outside platforms (`funnel.outbound.outbound_budget`): without a broker, the work a request
    enqueues runs inside it, and neither WeCom (5 s for a callback) nor a patient on the
    thank-you page waits for a platform answering in 30 s. A call cut short is a transient
    failure the outbox, the sweeps or the welcome record take as usual."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with outbound_budget(settings.OUTBOUND_REQUEST_BUDGET_SECONDS):
            return self.get_response(request)
