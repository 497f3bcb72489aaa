"""Issue 13 review: outbound HTTP never follows a redirect. `requests` follows 301/302/303 by
default and re-sends the body (and custom headers) on 307/308 to whatever host the Location
names. Every call the project makes is found here by reading the source: a `requests` call
passes `allow_redirects=False`, sessions are the checked `PlatformSession` (it forces that
and refuses any 3xx), and `urllib.request` / `http.client` are not used."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "funnel", "channels", "cms", "landing", "scripts")
VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
# The one place a requests.Session is made: it refuses redirects itself (channels.base).
SESSION_MAKERS = {"channels/base.py"}


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names]
            if any(name.startswith(("urllib.request", "http.client")) for name in names):
                found.append(f"{where}:{node.lineno} imports {names}")
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if not (isinstance(owner, ast.Name) and owner.id == "requests"):
            continue
        if node.func.attr == "Session" and where not in SESSION_MAKERS:
            found.append(f"{where}:{node.lineno} makes a requests.Session")
        if node.func.attr in VERBS:
            follows = [k for k in node.keywords if k.arg == "allow_redirects"]
            refused = follows and isinstance(follows[0].value, ast.Constant)
            if not (refused and follows[0].value.value is False):
                found.append(f"{where}:{node.lineno} requests.{node.func.attr} follows redirects")
    return found


def test_the_walk_reads_the_modules_that_speak_http() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _sources()}
    assert {"funnel/services/notify.py", "cms/baidu_client.py", "channels/base.py"} <= names


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_outbound_call_follows_a_redirect(path) -> None:
    assert _findings(path) == []
