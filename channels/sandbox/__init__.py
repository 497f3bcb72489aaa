"""Local look-alikes of the Douyin, Xiaohongshu and Baidu endpoints the connectors use.

One module per platform (`douyin`, `xiaohongshu`, `baidu`: its records, its endpoints, its own
push signing — never our verify code, the sandbox is the other side of the wire), the shared
generated world in `data`, the remembered state in `state`, the HTTP server in `server`.

`python manage.py sandbox_platforms --port P` serves them; tests run `sandbox_start()` in a
thread. Every path matches the real API's path (they do not overlap across platforms), so one
server stands in for ad.oceanengine.com, adapi.xiaohongshu.com, api/u/ocpc.baidu.com.

Leads and spend are deterministic (seeded by index) and realistic: Chinese names, 13x/15x/18x
phones, cities, 脱发/失眠/糖尿病 concerns, search keywords, a few campaigns per platform.

Fault injection (POST /sandbox/control, JSON; GET /sandbox/state shows counters):
  {"reset": true, "lead_count": 500, "late_fields": true, "duplicate_across_pages": true,
   "faults": [{"kind": "rate_limit" | "token_expired" | "server_error", "path": "clue/get",
               "page": 2, "times": 1}]}
or a one-off query flag on any platform call: `?sandbox_fault=rate_limit`.
POST /sandbox/push {"channel", "target", "secret", "count", "start", "delayed"} makes the sandbox
push signed webhooks to our server (Feiyu, Juguang and Baidu formats).
"""

from channels.sandbox.server import Handler, push_leads, sandbox_server, sandbox_start
from channels.sandbox.state import SandboxState

__all__ = ["Handler", "SandboxState", "push_leads", "sandbox_server", "sandbox_start"]
