"""`sandbox_platforms --port P`: serve the Douyin / Xiaohongshu / Baidu look-alikes.

By default it serves them with the real platforms' quirks on, so `make demo` exercises them:
the demo accounts' pages capped below what is asked, Douyin's late-arriving fields, and the
first conversion postback of each kind failing (a 5xx, then a rate limit) before it succeeds.
`--plain` serves without them; `--page-cap ACCOUNT=N` sets the caps (advertiser id or
userName)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from channels.sandbox import SandboxState, sandbox_server
from config.demo import demo_commands_refuse

# The demo accounts (`channels.seed`): Baidu's userName and Douyin's advertiser id.
DEMO_PAGE_CAPS = ["baidu-demo=25", "1790000000000001=20"]
DEMO_POSTBACK_FAULTS = [
    {"kind": "server_error", "path": "conversion", "times": 1},
    {"kind": "rate_limit", "path": "uploadConvertData", "times": 1},
    {"kind": "server_error", "path": "clue/life/callback", "times": 1},
]


class Command(BaseCommand):
    help = "本地模拟抖音、小红书、百度接口 / serve local look-alikes of the ad platforms"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--leads", type=int, default=120, help="leads per platform")
        parser.add_argument(
            "--page-cap",
            action="append",
            metavar="ACCOUNT=N",
            help="rows per page for that account (default: the demo accounts at 25 and 20)",
        )
        parser.add_argument("--plain", action="store_true", help="no quirks, no faults")

    def handle(self, *args, **options) -> None:
        demo_commands_refuse("sandbox_platforms")
        state = SandboxState(lead_count=options["leads"])
        if not options["plain"]:
            caps = options["page_cap"] or DEMO_PAGE_CAPS
            state.page_caps = {k: int(v) for k, _, v in (c.partition("=") for c in caps)}
            state.late_fields = True
            state.faults.extend(dict(f) for f in DEMO_POSTBACK_FAULTS)
        server = sandbox_server(options["port"], state, host=options["host"])
        host, port = server.server_address[:2]
        self.stdout.write(
            f"sandbox platforms on http://{host}:{port} "
            f"(Douyin /open_api/, Xiaohongshu /api/open/, Baidu /json/ /oauth/ /ocpcapi/; "
            f"conversion /api/v2/conversion; "
            f"control POST /sandbox/control, state GET /sandbox/state)"
        )
        if not options["plain"]:
            self.stdout.write(
                f"quirks: page caps {state.page_caps}, late fields, "
                f"{len(state.faults)} postback faults (--plain for none)"
            )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
