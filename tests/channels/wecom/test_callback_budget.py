"""A slow WeCom API never makes the callback miss WeCom's 5 s (issue 16 review F2).

Without a broker (the embedded default) the add's processing, its stage tags and its welcome
run inside the callback request; every call out of that request shares
OUTBOUND_REQUEST_BUDGET_SECONDS (`funnel.outbound`, `config.middleware`). WeCom is a real HTTP
server in a thread here that holds every API answer but `gettoken` for 8 s (the review's
figure), so requests' own timeouts are what is tested, not a mock's."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.cache import cache

from channels.wecom.models import WecomAccount, WecomWelcome, WecomWelcomeTemplate
from channels.wecom.state import state_for_lead
from funnel.models import LeadEvent, Stage
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WECOM_CALLBACK_LIMIT = 5.0  # seconds (WECOM_FACTS.md, "Callback events")
HOLD = 8.0


@pytest.fixture
def slow_wecom():
    release = threading.Event()
    calls: list[str] = []
    mode = {"how": "hold"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return

        def _answer(self) -> None:
            calls.append(self.path.split("?")[0])
            token = "/gettoken" in self.path
            slow = token if mode["how"] == "token" else not token
            if slow and mode["how"] == "hold":
                release.wait(HOLD)
            body = json.dumps(
                {"errcode": 0, "errmsg": "ok", "access_token": "T", "expires_in": 7200}
            ).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if slow and mode["how"] in ("trickle", "token"):
                    # a byte every 0.4 s: no single read is slow, the answer is (the review's)
                    for byte in body:
                        if release.wait(0.4):
                            break
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up on us: that is the point

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", release, calls, mode
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("how", ["hold", "trickle", "token"])
def test_a_slow_wecom_api_never_holds_the_callback(
    slow_wecom, wecom_account, post_event, make_lead, how
):
    base, release, calls, mode = slow_wecom
    mode["how"] = how
    cache.clear()
    WecomAccount.objects.filter(pk=wecom_account.pk).update(api_base_url=base)
    lead = make_lead()
    WecomWelcomeTemplate.objects.create(specialty=lead.specialty, text="您好，我是您的医助。")

    started = time.monotonic()
    answer = post_event(event_xml(State=state_for_lead(lead.pk), WelcomeCode="WC-SLOW"))
    took = time.monotonic() - started

    assert answer.status_code == 200
    assert answer.content == b"success"
    # The budget (3 s) plus our own work, well inside WeCom's limit.
    assert took < WECOM_CALLBACK_LIMIT, took
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Processed inside the request: the stage moved, the welcome was tried and cut.
        lead.refresh_from_db()
        assert lead.stage == Stage.CONTACTED
        welcome = WecomWelcome.objects.get()
        note = LeadEvent.objects.filter(lead=lead, data__change="welcome").get()
        if how == "token":
            # the token never came: the welcome was not sent, and the timeline says so
            assert "/cgi-bin/externalcontact/send_welcome_msg" not in calls
            assert (welcome.status, welcome.reason) == (WecomWelcome.Status.FAILED, "deadline")
            assert note.note.startswith("企业微信欢迎语发送失败：")
            return
        assert "/cgi-bin/externalcontact/send_welcome_msg" in calls
        # it was sent and never answered in time: it may have arrived (review)
        assert (welcome.status, welcome.reason) == (
            WecomWelcome.Status.FAILED,
            "deadline_in_flight",
        )
        assert note.data["status"] == "unknown"
        assert note.note.startswith("企业微信欢迎语结果未知：企业微信未在回调时限内应答")
    else:
        # With a broker the callback only stored the event; a worker (no budget) sends it.
        assert calls == []
        release.set()
        drain()
        lead.refresh_from_db()
        assert lead.stage == Stage.CONTACTED


def test_outside_a_request_calls_keep_their_own_timeouts(slow_wecom, wecom_account):
    """Workers and commands have no budget: the same slow answer arrives and is used."""
    from channels.wecom.client import WecomClient

    base, release, _calls, _mode = slow_wecom
    cache.clear()
    wecom_account.api_base_url = base
    threading.Timer(3.5, release.set).start()  # longer than the request budget
    data = WecomClient(wecom_account).call("GET", "externalcontact/get", params={"x": "1"})
    assert data["errcode"] == 0
