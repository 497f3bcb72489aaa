#!/usr/bin/env bash
# `make demo`: migrate, seed, start the sandbox ad platforms and pull from them, create the
# admin account, then serve the site and admin. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SANDBOX_PORT=${SANDBOX_PORT:-8765}
BASE="http://$HOST:$PORT"
export DJANGO_SETTINGS_MODULE=config.settings.dev
export WAGTAILADMIN_BASE_URL="$BASE"
export SANDBOX_PORT
mkdir -p var

port_free() { ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# wait_port HOST PORT [PID]: until the port answers (up to 3 minutes: Django and Wagtail load
# slowly on a busy two-core machine), or until the process PID has died.
wait_port() {
  for _ in $(seq 1 900); do
    port_free "$1" "$2" || return 0
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

port_free "$HOST" "$PORT" || { echo "port $PORT is busy: stop what runs there or use 'make demo PORT=8001'"; exit 1; }

PIDS=()
cleanup() { for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

echo "== migrate"
$PY manage.py migrate --noinput -v 0
# The embedded cache is a directory (var/cache) that outlives the processes: pages cached by
# an earlier demo, perhaps of a database since removed, must not be served by this one.
[ -n "${REDIS_URL:-}" ] || $PY manage.py shell -c "from django.core.cache import cache; cache.clear()"
echo "== seed_demo"
$PY manage.py seed_demo | tee var/seed.log

if $PY manage.py help sandbox_platforms >/dev/null 2>&1; then
  if port_free 127.0.0.1 "$SANDBOX_PORT"; then
    echo "== sandbox ad platforms on http://127.0.0.1:$SANDBOX_PORT (log: var/sandbox.log)"
    $PY manage.py sandbox_platforms --port "$SANDBOX_PORT" >var/sandbox.log 2>&1 &
    PIDS+=($!)
    wait_port 127.0.0.1 "$SANDBOX_PORT" "$!" || { echo "sandbox did not start:"; tail -20 var/sandbox.log; exit 1; }
  else
    echo "== sandbox port $SANDBOX_PORT already serves something; using it"
  fi
  echo "== first pull of leads and spend from the sandbox"
  $PY manage.py pull_leads
  $PY manage.py pull_spend --start "$(date -d '29 days ago' +%F)" --end "$(date +%F)"
fi

if [ -n "${REDIS_URL:-}" ]; then
  echo "== REDIS_URL is set: starting a Celery worker with beat (log: var/worker.log)"
  .venv/bin/celery -A config worker --beat -l info --concurrency 2 >var/worker.log 2>&1 &
  PIDS+=($!)
else
  # The embedded default has no broker: beat alone runs each due periodic task inline (tasks
  # are eager), so the sweeps, reminders, birthday plan and pulls still happen on schedule.
  echo "== embedded default: Celery beat runs the periodic tasks in-process (log: var/beat.log)"
  .venv/bin/celery -A config beat -l info >var/beat.log 2>&1 &
  PIDS+=($!)
fi

CREDS=$($PY manage.py demo_admin 2>var/secrets.log)

cat <<MSG

================================================================================
 引流 Yinliu demo is starting on $BASE

   site            $BASE/
   admin           $BASE/admin/          ($CREDS)
   health          $BASE/healthz
   sitemap         $BASE/sitemap.xml     robots: $BASE/robots.txt
   lead API        $BASE/api/v1/docs     schema: $BASE/api/v1/openapi.json
MSG
grep -E '^ *(url|login|landing|packages|care plan|assistant H5):' var/seed.log | sed 's/^ */   /' || true
cat <<MSG

 $(cat var/secrets.log)
 Ctrl-C stops the demo.
================================================================================

MSG

$PY manage.py runserver "$HOST:$PORT" --noreload &
PIDS+=($!)
SERVER=$!
if $PY manage.py help wecom_account >/dev/null 2>&1 && wait_port "$HOST" "$PORT" "$SERVER"; then
  # The step a clinic's IT person does in the WeCom console (docs/wecom.md), played on the
  # sandbox: save the callback URL; the sandbox verifies it like WeCom does.
  $PY manage.py wecom_account sandbox-callback --name demo --callback-url "$BASE" \
    || echo "== WeCom sandbox callback not verified (see above): adds will not reach the demo"
  # The stage tags (引流阶段) the lead's contact is marked with; a second run makes nothing.
  $PY manage.py wecom_account tags --name demo >/dev/null \
    || echo "== WeCom sandbox stage tags not set up (see above): contacts will not be tagged"
  cat <<MSG
 企业微信沙箱（加微自动化）: submit a form at $BASE/lp/hair-loss/, then open
   http://127.0.0.1:$SANDBOX_PORT/sandbox/wecom/scan/latest
 to play the patient scanning the thank-you page's contact code: the lead moves to 已加微
 by itself (admin → 线索) and its contact gets the 已加微 tag (admin → 企业微信阶段标签).
 Unmatched adds: admin → 企业微信客户.
MSG
fi
wait "$SERVER"
