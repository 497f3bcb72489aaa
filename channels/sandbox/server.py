"""The sandbox's one HTTP server: routes each path to its platform's look-alike, serves the
control surface (`/sandbox/control`, `/sandbox/state`, `/sandbox/push`) and pushes signed
webhooks to our server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from channels.sandbox import baidu, douyin, wecom, xiaohongshu
from channels.sandbox.state import SandboxState

# The real paths do not overlap across platforms, so one port serves all three.
PLATFORMS = {"douyin": douyin, "xiaohongshu": xiaohongshu, "baidu": baidu}
# WeCom is no ad platform (no lead pushes): its paths are served, its callbacks sent on request.
SERVED = {**PLATFORMS, "wecom": wecom}


class Handler(BaseHTTPRequestHandler):
    server_version = "YinliuSandbox/1"
    state: SandboxState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return  # quiet: tests and the demo do not want a line per call

    # -- plumbing --------------------------------------------------------------------------
    def send(self, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def send_raw(self, status: int, raw: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            data = json.loads(self.rfile.read(length).decode())
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body = self._body() if method == "POST" else {}
        st = self.state
        with st.lock:
            st.calls[path] = st.calls.get(path, 0) + 1
        try:
            if path.startswith("/sandbox/"):
                return self._sandbox(path, body, query)
            for platform in SERVED.values():
                if path.startswith(platform.PATH_PREFIXES):
                    return platform.handle(self, path, query, body)
            self.send(404, {"error": "not_found"})
        except (KeyError, ValueError, TypeError) as exc:
            self.send(400, {"error": "bad_request", "message": str(exc)})

    # -- control ---------------------------------------------------------------------------
    def _sandbox(self, path: str, body: dict[str, Any], query: dict[str, str]) -> None:
        st = self.state
        if path == "/sandbox/control":
            with st.lock:
                if body.get("reset"):
                    st.reset(lead_count=int(body.get("lead_count", st.lead_count)))
                if "lead_count" in body:
                    st.lead_count = int(body["lead_count"])
                    st._cache = {}
                for flag in ("late_fields", "duplicate_across_pages"):
                    if flag in body:
                        setattr(st, flag, bool(body[flag]))
                st.faults.extend(dict(f) for f in body.get("faults", []))
                if "page_cap" in body:  # {"<advertiser id or userName>": N} or N for all
                    cap = body["page_cap"]
                    st.page_caps = (
                        {str(k): int(v) for k, v in cap.items()}
                        if isinstance(cap, dict)
                        else ({"*": int(cap)} if cap else {})
                    )
            return self.send(200, {"ok": True})
        if path == "/sandbox/state":
            with st.lock:
                return self.send(
                    200,
                    {
                        "lead_count": st.lead_count,
                        "calls": st.calls,
                        "refreshes": st.refreshes,
                        "postbacks": st.postbacks,
                        "faults": st.faults,
                        "page_caps": st.page_caps,
                    },
                )
        if path == "/sandbox/wecom":
            return self.send(200, wecom.control(st, body))
        if path.startswith("/sandbox/wecom/qr/"):
            return self.send_raw(
                200, wecom.qr_svg(self.headers.get("Host", "127.0.0.1"), path), "image/svg+xml"
            )
        if path.startswith("/sandbox/wecom/ca/"):
            result = wecom.open_link(st, path.rsplit("/", 1)[-1], query.get("customer_channel", ""))
            return self.send_raw(
                200 if result["ok"] else 409, wecom.scan_page(result), "text/html; charset=utf-8"
            )
        if path.startswith("/sandbox/wecom/scan/"):
            result = wecom.scan(st, path.rsplit("/", 1)[-1])
            return self.send_raw(
                200 if result["ok"] else 409, wecom.scan_page(result), "text/html; charset=utf-8"
            )
        if path == "/sandbox/push":
            result = push_leads(
                st,
                channel=body["channel"],
                target=body["target"],
                secret=body.get("secret", ""),
                count=int(body.get("count", 1)),
                start=int(body.get("start", 0)),
                delayed=bool(body.get("delayed")),
            )
            return self.send(200, {"statuses": result})
        self.send(404, {"error": "not_found"})


def push_leads(
    state: SandboxState,
    *,
    channel: str,
    target: str,
    secret: str,
    count: int = 1,
    start: int = 0,
    delayed: bool = False,
) -> list[int]:
    """POST `count` signed pushes in the platform's format to `target`; returns HTTP statuses."""
    statuses = []
    for i in range(start, start + count):
        # Xiaohongshu and Douyin sign headers, Baidu the body; anything else pushes as Baidu.
        platform = PLATFORMS.get(channel, baidu)
        raw, signed = platform.signed_push(state, i, secret, delayed)
        headers = {"Content-Type": "application/json", **signed}
        # a redirect is the target's answer (its status), never a second signed request
        response = requests.post(
            target, data=raw, headers=headers, timeout=10, allow_redirects=False
        )
        statuses.append(response.status_code)
    return statuses


def sandbox_server(port: int, state: SandboxState | None = None, host: str = "127.0.0.1"):
    state = state or SandboxState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    return server


def sandbox_start(port: int = 0, state: SandboxState | None = None):
    """Serve in a daemon thread (tests); returns (server, base_url). Call server.shutdown()."""
    server = sandbox_server(port, state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
