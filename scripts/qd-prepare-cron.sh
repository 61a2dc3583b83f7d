#!/usr/bin/env bash
# Runs qd_prepare unattended (cron, systemd timer): appends timestamped output to a log and exits
# with qd_prepare's own code, except that "another run is still writing some categories" (4) is
# logged as skipped and exits 0, so a previous run that is still going does not make cron send
# mail. A category lock (<out>/.locks/<name>.lock) held for longer than --max-lock-hours (default
# 6) is a stuck run: the wrapper says so on stderr (cron mails it) and exits 4, every time, until
# someone looks.
#
#   scripts/qd-prepare-cron.sh [--log FILE] [--max-lock-hours H] [qd_prepare options...]
#
# QD_PREPARE names the executable (default: build/pipeline/qd_prepare in this checkout).
# Example crontab line (03:17 every night, cat and dog into /srv/qd/data):
#   17 3 * * * /opt/qd/scripts/qd-prepare-cron.sh --log /var/log/qd-prepare.log --categories cat,dog --out /srv/qd/data
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exe="${QD_PREPARE:-$here/build/pipeline/qd_prepare}"
log=/dev/stderr
max_lock_hours=6
while [ $# -gt 0 ]; do
  case "$1" in
    --log) log="$2"; shift 2 ;;
    --max-lock-hours) max_lock_hours="$2"; shift 2 ;;
    *) break ;;
  esac
done
if [ ! -x "$exe" ]; then
  echo "qd-prepare-cron: $exe is not executable (build qd first, or set QD_PREPARE)" >&2
  exit 1
fi

stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$line"; done; }

echo "qd_prepare $*" | stamp >>"$log"
"$exe" "$@" 2>&1 | stamp >>"$log"
code=${PIPESTATUS[0]}
case "$code" in
  0) echo "done: every category written or already up to date" | stamp >>"$log" ;;
  3) echo "done with failures: some categories kept their previous output (exit 3)" | stamp >>"$log" ;;
  4)
    # Each holder wrote its pid into its lock file when it took the lock: the file's age is the
    # hold's. A lock file nobody holds (flock -n succeeds) is left from a finished run.
    # qd_prepare says where its output is (--out, --out=, -o, -oDIR, or the default): the wrapper
    # does not parse its options, and so cannot read them differently.
    out=$("$exe" --print-out-dir "$@") || out=data
    held="" oldest_h=0 oldest=""
    for lock in "$out"/.locks/*.lock; do
      [ -e "$lock" ] || continue
      flock -n "$lock" true 2>/dev/null && continue
      age_h=$(( ( $(date +%s) - $(stat -c %Y "$lock" 2>/dev/null || date +%s) ) / 3600 ))
      held="$held $(basename "$lock" .lock)"
      if [ "$age_h" -ge "$oldest_h" ]; then oldest_h=$age_h; oldest=$lock; fi
    done
    if [ -n "$oldest" ] && [ "$oldest_h" -ge "$max_lock_hours" ]; then
      msg="stuck: $oldest has been held for ${oldest_h} h by pid $(cat "$oldest" 2>/dev/null) (over --max-lock-hours $max_lock_hours); the data is not being refreshed"
      echo "$msg" | stamp >>"$log"
      echo "qd-prepare-cron: $msg" >&2
      exit 4
    fi
    echo "skipped:${held:- some categories}: another qd_prepare is still writing them (${oldest_h} h); the others are done" | stamp >>"$log"
    exit 0 ;;
  *) echo "failed with exit code $code" | stamp >>"$log" ;;
esac
exit "$code"
