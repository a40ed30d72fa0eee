#!/usr/bin/env bash
# Self-test answer POSTs per second with durability on, and page GETs per
# second, against a release server on loopback.
#
#   benches/load/selftest.sh [RUNS]        (default 3)
#
# Each run starts a fresh server (its own temporary database, SQLite WAL,
# synchronous=FULL), makes $ATTEMPTS attempts of $ITEMS true/false
# questions from one browser, then has wrk POST one answer to every
# question of every attempt ($ATTEMPTS x $ITEMS answers, each a new row
# committed and synced before its 303). Afterwards it checks that the
# database holds exactly that many answer rows, and, when perf can read
# syscall tracepoints, counts the server's fsync/fdatasync calls (answers
# per sync = how well group commit batches). Then wrk GETs the home page
# and a question page for $GET_SECONDS each.
#
# Environment: BIN (target/release/quizline), ATTEMPTS (600), ITEMS (100),
# CONNECTIONS (64), GET_SECONDS (10), MAX_SECONDS per wrk run (120).
# Loopback only; every run is bounded by its count and by MAX_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
ATTEMPTS=${ATTEMPTS:-600}
ITEMS=${ITEMS:-100}
CONNECTIONS=${CONNECTIONS:-64}
GET_SECONDS=${GET_SECONDS:-10}
MAX_SECONDS=${MAX_SECONDS:-120}
HERE=benches/load
. $HERE/lib.sh
command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
command -v sqlite3 >/dev/null || die "sqlite3 is needed (apt-get install sqlite3)"
trap stop_server EXIT

# One browser: a fixed cookie, and the form token derived from it the way
# the server does (src/web/browser.rs).
BROWSER=0123456789abcdef0123456789abcdef
CSRF=$(printf 'quizline form token v1\0%s' "$BROWSER" | sha256sum | cut -c1-32)
COOKIE="quizline_browser=$BROWSER"

# A set of $ITEMS true/false questions: every answer is `choice=t`.
make_set() {
  {
    echo '(format: 1, id: "bench-tf", title: "Benchmark: true or false", questions: ['
    for i in $(seq 1 "$ITEMS"); do
      echo "  (id: \"tf-$i\", prompt: \"Statement number $i is true.\", body: TrueFalse(answer: true), difficulty: Easy, explanation: \"It is.\"),"
    done
    echo '])'
  } >"$1"
}

# CPU seconds of the server (all threads), and of its store writer thread.
cpu_of() {
  local hz
  hz=$(getconf CLK_TCK)
  awk -v hz="$hz" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "$1"
}
server_cpu() { cpu_of "/proc/$SERVER_PID/stat"; }
writer_cpu() {
  local t
  for t in /proc/"$SERVER_PID"/task/*; do
    if [ "$(cat "$t/comm")" = "quizline-store-" ]; then cpu_of "$t/stat"; return; fi
  done
  echo 0
}

run_once() {
  local work
  work=$(mktemp -d /tmp/quizline-selftest.XXXXXX)
  make_set "$work/bench-tf.ron"
  QUESTIONS=$work/bench-tf.ron start_server
  # Attempts, 8 at a time; each creation is itself a durable write.
  seq 1 "$ATTEMPTS" | xargs -P 8 -I{} curl -sS -o /dev/null --max-time 30 \
    -w '%{redirect_url}\n' -b "$COOKIE" \
    --data "csrf=$CSRF&count=$ITEMS&kind=true-false&timer=off" \
    "$SERVER_URL/sets/bench-tf" |
    sed -n 's#.*/attempts/\([0-9a-f]*\)/questions/1$#\1#p' >"$work/attempts.txt"
  local made
  made=$(wc -l <"$work/attempts.txt")
  [ "$made" -eq "$ATTEMPTS" ] || die "made $made attempts of $ATTEMPTS"
  local before
  before=$(sqlite3 "$SERVER_DATA/db/quizline.db" 'select count(*) from answers')
  [ "$before" -eq 0 ] || die "answers before the run: $before"

  start_sync_count
  local cpu0 wcpu0 busy0
  busy0=$(machine_busy_s)
  cpu0=$(server_cpu)
  wcpu0=$(writer_cpu)
  QUIZLINE_ATTEMPTS=$work/attempts.txt QUIZLINE_ITEMS=$ITEMS QUIZLINE_CSRF=$CSRF \
    QUIZLINE_COOKIE=$COOKIE \
    /usr/bin/time -o "$work/wrk-cpu.txt" -f '%U %S' wrk -t1 -c"$CONNECTIONS" -d"${MAX_SECONDS}s" --timeout 10s -s $HERE/answers.lua \
    "$SERVER_URL" >"$work/wrk-post.txt" 2>&1 || true
  local cpu1 wcpu1 busy1
  busy1=$(machine_busy_s)
  cpu1=$(server_cpu)
  wcpu1=$(writer_cpu)
  stop_sync_count
  local syncs=$SYNCS
  local rows
  rows=$(sqlite3 "$SERVER_DATA/db/quizline.db" 'select count(*) from answers')
  local want=$((ATTEMPTS * ITEMS))
  grep -E '^(answers|answer POSTs|latency):' "$work/wrk-post.txt" | sed 's/^/  /'
  echo "  rows in the database: $rows (expected $want)"
  echo "  server CPU during the POSTs: $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}') s, of which the store writer thread $(awk -v a="$wcpu0" -v b="$wcpu1" 'BEGIN {printf "%.2f", b - a}') s; wrk $(awk '{printf "%.2f", $1 + $2}' "$work/wrk-cpu.txt") s; other processes ~$(awk -v a="$busy0" -v b="$busy1" -v s="$cpu1" -v s0="$cpu0" -v w="$(awk '{print $1 + $2}' "$work/wrk-cpu.txt")" 'BEGIN {o = (b - a) - (s - s0) - w; if (o < 0) o = 0; printf "%.1f", o}') s"
  [ "$rows" -eq "$want" ] || echo "  MISMATCH: $rows rows for $want answers" >&2
  if [ -n "$syncs" ]; then
    echo "  server fsync+fdatasync calls during the POSTs: $syncs ($(awk -v r="$want" -v s="$syncs" 'BEGIN {if (s > 0) printf "%.1f", r / s; else print "n/a"}') answers per sync)"
  fi

  # Page GETs: the home page, and a question page of an attempt (the GETs
  # only read; question 1 of a fresh attempt stays unanswered).
  local fresh
  fresh=$(curl -sS -o /dev/null -w '%{redirect_url}' -b "$COOKIE" \
    --data "csrf=$CSRF&count=$ITEMS&kind=true-false&timer=off" "$SERVER_URL/sets/bench-tf")
  fresh=${fresh#"$SERVER_URL"}
  for path in / "$fresh"; do
    wrk -t1 -c"$CONNECTIONS" -d"${GET_SECONDS}s" -H "Cookie: $COOKIE" "$SERVER_URL$path" \
      >"$work/wrk-get.txt" 2>&1 || true
    echo "  GET $path: $(awk '/Requests\/sec/ {print $2}' "$work/wrk-get.txt") per second, $(awk '/Non-2xx/ {print $NF " non-2xx"}' "$work/wrk-get.txt")"
  done
  stop_server
  [ -n "${KEEP_DATA:-}" ] || rm -rf "$work"
}

machine_note
echo "# self-test: $ATTEMPTS attempts x $ITEMS answers, $CONNECTIONS connections, wrk -t1"
for r in $(seq 1 "$RUNS"); do
  echo "run $r"
  run_once
done
