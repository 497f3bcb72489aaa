"""HTTP edge of the channels app: platform push webhooks (thin: the service does the work)."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from channels import errors
from channels.services.webhooks import max_body_bytes, webhook_receive

logger = logging.getLogger("yinliu.channels")


def _reject(err: errors.WebhookRejected) -> JsonResponse:
    return JsonResponse(err.as_dict(), status=err.status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def webhook(request: HttpRequest, channel: str, account_name: str) -> HttpResponse:
    if request.method != "POST":
        return _reject(errors.WebhookRejected(errors.METHOD_NOT_ALLOWED))
    # Refuse oversize bodies before reading them.
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > max_body_bytes():
        return _reject(errors.WebhookRejected(errors.PAYLOAD_TOO_LARGE))
    headers = {k.lower().replace("-", "_"): v for k, v in request.headers.items()}
    headers["x-red-signature"] = request.headers.get("X-Red-Signature", "")
    try:
        reply = webhook_receive(
            channel=channel, account_name=account_name, headers=headers, body=request.body
        )
    except errors.WebhookRejected as err:
        return _reject(err)
    except DatabaseError:
        # The platform retries: say "later", never 500.
        logger.exception("webhook store failed for %s/%s", channel, account_name)
        return _reject(errors.WebhookRejected(errors.UNAVAILABLE))
    if isinstance(reply.body, str):
        return HttpResponse(reply.body, content_type="text/plain; charset=utf-8")
    return JsonResponse(reply.body, json_dumps_params={"ensure_ascii": False})
