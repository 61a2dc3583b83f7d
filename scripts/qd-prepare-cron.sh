#!/usr/bin/env bash
# Runs qd_prepare unattended (cron, systemd timer): appends timestamped output to a log and exits
# with qd_prepare's own code, except that "another run still holds the lock" (4) is logged as a
# skipped run and exits 0, so an overlong previous run does not make cron send mail every night.
#
#   scripts/qd-prepare-cron.sh [--log FILE] [qd_prepare options...]
#
# QD_PREPARE names the executable (default: build/pipeline/qd_prepare in this checkout).
# Example crontab line (03:17 every night, cat and dog into /srv/qd/data):
#   17 3 * * * /opt/qd/scripts/qd-prepare-cron.sh --log /var/log/qd-prepare.log --categories cat,dog --out /srv/qd/data
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exe="${QD_PREPARE:-$here/build/pipeline/qd_prepare}"
log=/dev/stderr
if [ "${1:-}" = "--log" ]; then
  log="$2"
  shift 2
fi
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
  4) echo "skipped: another qd_prepare is still writing this output directory" | stamp >>"$log"; exit 0 ;;
  *) echo "failed with exit code $code" | stamp >>"$log" ;;
esac
exit "$code"
