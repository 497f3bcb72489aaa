"""`sandbox_platforms --port P`: serve the Douyin / Xiaohongshu / Baidu look-alikes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from channels.sandbox import SandboxState, sandbox_server


class Command(BaseCommand):
    help = "本地模拟抖音、小红书、百度接口 / serve local look-alikes of the ad platforms"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--leads", type=int, default=120, help="leads per platform")

    def handle(self, *args, **options) -> None:
        state = SandboxState(lead_count=options["leads"])
        server = sandbox_server(options["port"], state, host=options["host"])
        host, port = server.server_address[:2]
        self.stdout.write(
            f"sandbox platforms on http://{host}:{port} "
            f"(Douyin /open_api/, Xiaohongshu /api/open/, Baidu /json/ /oauth/ /ocpcapi/; "
            f"control POST /sandbox/control, state GET /sandbox/state)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
