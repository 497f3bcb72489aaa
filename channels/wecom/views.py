"""HTTP edge of the WeCom callback (thin: `channels.wecom.webhook` does the work)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels.wecom import errors as wecom_errors
from channels.wecom.webhook import CallbackRejected, callback_receive, max_body_bytes, verify_url
from config.errors import ApplicationError

logger = logging.getLogger("yinliu.channels.wecom")


def _reject(err: ApplicationError) -> JsonResponse:
    return JsonResponse(err.as_dict(), status=err.status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def callback(request: HttpRequest, account_name: str) -> HttpResponse:
    try:
        if request.method == "GET":
            # The URL check: the plaintext exactly (no quotes, no BOM, no newline).
            plain = verify_url(account_name=account_name, query=request.GET)
            return HttpResponse(plain.encode("utf-8"), content_type="text/plain; charset=utf-8")
        if request.method != "POST":
            raise CallbackRejected(wecom_errors.METHOD_NOT_ALLOWED)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > max_body_bytes():
            raise CallbackRejected(wecom_errors.PAYLOAD_TOO_LARGE)
        callback_receive(account_name=account_name, query=request.GET, body=request.body)
    except ApplicationError as err:
        return _reject(err)
    except DatabaseError:
        # WeCom retries: say "later", never 500.
        logger.exception("wecom callback store failed for %s", account_name)
        return _reject(CallbackRejected(wecom_errors.UNAVAILABLE))
    return HttpResponse(b"success", content_type="text/plain; charset=utf-8")
