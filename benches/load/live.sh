#!/usr/bin/env bash
# Live rooms under load: simulated students over real sockets on loopback
# against a separately started release server.
#
#   benches/load/live.sh STUDENTS [RUNS]          one room of STUDENTS
#   benches/load/live.sh ROOMSxSTUDENTS [RUNS]    e.g. 300x30: that many rooms at once
#
# Each run starts a fresh release server (127.0.0.1, port chosen by the
# kernel, a temporary database), creates the room(s) over the HTTP API,
# runs `quizline bots --drive` (every bot joins, the driver plays the host
# through every question, the run ends by itself or at --timeout), keeps
# the bots' JSON report, and stops the server. A summary line per run and
# the medians over the runs are printed; the JSON reports are kept in
# $OUT (default target/load).
#
# Environment: BIN (target/release/quizline; BOTS_BIN for the bots, default
# the same binary), QUESTIONS (tests/fixtures),
# SET (live-mixed), COUNT questions (8), THINK ms (500..3000), TIME_LIMIT s
# (20), TIMEOUT s per run (300), OUT (target/load).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
SHAPE=$1
RUNS=${2:-3}
SET=${SET:-live-mixed}
COUNT=${COUNT:-8}
THINK=${THINK:-500..3000}
TIME_LIMIT=${TIME_LIMIT:-20}
TIMEOUT=${TIMEOUT:-300}
OUT=${OUT:-target/load}
. benches/load/lib.sh
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
trap stop_server EXIT
mkdir -p "$OUT"

case $SHAPE in
  *x*) ROOMS=${SHAPE%x*}; STUDENTS=${SHAPE#*x} ;;
  *) ROOMS=1; STUDENTS=$SHAPE ;;
esac
[[ $ROOMS =~ ^[0-9]+$ && $STUDENTS =~ ^[0-9]+$ ]] || die "STUDENTS or ROOMSxSTUDENTS, e.g. 1000 or 300x30"
OPTIONS="{\"count\":$COUNT,\"time_limit_s\":$TIME_LIMIT,\"max_players\":$STUDENTS,\"seed\":1}"

machine_note
echo "# $ROOMS room(s) x $STUDENTS students, set $SET, $COUNT questions, think $THINK ms, $TIME_LIMIT s per question"
reports=()
for r in $(seq 1 "$RUNS"); do
  start_server
  report=$OUT/live-${SHAPE}-run$r.json
  if [ "$ROOMS" -eq 1 ]; then
    read -r CODE SECRET < <(create_room "$SET" "$OPTIONS")
    set -- --code "$CODE" --key "$SECRET"
  else
    # The bots create the rooms themselves over the same HTTP API.
    set -- --create "$SET" --rooms "$ROOMS" --room-options "$OPTIONS"
  fi
  status=0
  start_sync_count
  busy0=$(machine_busy_s)
  timeout $((TIMEOUT + 30)) "${BOTS_BIN:-$BIN}" bots --url "$SERVER_URL" "$@" --count "$STUDENTS" \
    --drive --think-ms "$THINK" --timeout "$TIMEOUT" --server-pid "$SERVER_PID" --json \
    >"$report" || status=$?
  busy1=$(machine_busy_s)
  stop_sync_count
  syncs=$SYNCS
  stop_server
  if ! jq -e .bots "$report" >/dev/null 2>&1; then
    echo "run $r (exit $status): no report"
    continue
  fi
  jq -r --arg run "$r" --arg status "$status" '
    def r: . * 10 | round / 10;
    def errs: ((.errors | to_entries | map(.value) | add) // 0) + .join_errors + .connect_errors + (.create_errors // 0);
    "run \($run) (exit \($status)): \(.joined)/\(.bots) joined, \(.answers_acked)/\(.answers_sent) acked, " +
    "errors \(errs), unscored \(.unscored), dropped \(.dropped_events), duplicated \(.duplicate_events); " +
    "ack p50/p99/max \(.ack.p50 | r)/\(.ack.p99 | r)/\(.ack.max | r) ms; " +
    "fan-out to last \(.fanout_last | max) ms (per question \(.fanout_last | map(floor) | join(" "))), " +
    "p50/p99 over students \(.fanout.p50)/\(.fanout.p99) ms; next->open p50 \(.next_to_open.p50) ms; " +
    "server peak RSS \((.server_peak_rss_kb // 0) / 1024 | floor) MiB, server CPU \(.server_cpu_s // 0 | r) s, " +
    "driver CPU \(.driver_cpu_s | r) s, \(.elapsed_s | r) s wall; " +
    "other processes ~\([($busy | tonumber) - (.server_cpu_s // 0) - .driver_cpu_s, 0] | max | r) s CPU" +
    (if $syncs == "" or $syncs == "0" then "" else "; server syncs \($syncs) (\(.answers_acked / ($syncs | tonumber) | r) answers per sync, joins and phases included)" end)' \
    --arg syncs "$syncs" --arg busy "$(awk -v a="$busy0" -v b="$busy1" 'BEGIN {print b - a}')" "$report"
  reports+=("$report")
done

# Medians over the runs (the middle value; for an even count the lower one).
[ ${#reports[@]} -gt 0 ] || die "no run gave a report"
jq -s -r '
  def r: . * 10 | round / 10;
  def median: sort | .[(length - 1) / 2 | floor];
  def errs: ((.errors | to_entries | map(.value) | add) // 0) + .join_errors + .connect_errors + (.create_errors // 0);
  "median of \(length) runs: ack p50 \(map(.ack.p50) | median | r) ms, p99 \(map(.ack.p99) | median | r) ms, " +
  "max \(map(.ack.max) | median | r) ms; fan-out to the last student \(map(.fanout_last | max) | median) ms " +
  "(p50 over students \(map(.fanout.p50) | median) ms, p99 \(map(.fanout.p99) | median) ms); " +
  "server peak RSS \(map((.server_peak_rss_kb // 0) / 1024 | floor) | median) MiB; " +
  "server CPU \(map(.server_cpu_s // 0) | median | r) s, driver CPU \(map(.driver_cpu_s) | median | r) s; " +
  "totals: errors \(map(errs) | add), unscored \(map(.unscored) | add), " +
  "dropped \(map(.dropped_events) | add), duplicated \(map(.duplicate_events) | add), " +
  "not acked \(map(.answers_sent - .answers_acked) | add), timed out \(map(select(.timed_out)) | length)"' "${reports[@]}"
