# Shared by the load scripts: start a release server on loopback, stop it.
# Sourced, not run.

BIN=${BIN:-target/release/quizline}
QUESTIONS=${QUESTIONS:-tests/fixtures}

die() { echo "$*" >&2; exit 1; }

[ -x "$BIN" ] || die "no $BIN: run \`cargo build --release\` first (or set BIN=)"

SERVER_PID=
SERVER_URL=
SERVER_DATA=
SERVER_LOG=

# start_server [extra serve args...]: a fresh database, port chosen by the
# kernel (127.0.0.1:0); sets SERVER_PID, SERVER_URL, SERVER_DATA.
start_server() {
  SERVER_DATA=$(mktemp -d /tmp/quizline-load.XXXXXX)
  SERVER_LOG=$SERVER_DATA/server.log
  # Thousands of sockets: the server raises its own soft limit too.
  "$BIN" serve --addr 127.0.0.1:0 --data "$SERVER_DATA/db" --questions "$QUESTIONS" "$@" \
    >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    SERVER_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$SERVER_LOG" 2>/dev/null | head -1 || true)
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; die "the server did not start"; }
    sleep 0.05
  done
  die "the server did not report its address within 10 s"
}

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
  if [ -n "$SERVER_DATA" ] && [ -z "${KEEP_DATA:-}" ]; then rm -rf "$SERVER_DATA"; fi
  SERVER_DATA=
}

# create_room SET OPTIONS_JSON: prints "CODE SECRET".
create_room() {
  curl -fsS --max-time 10 -H 'content-type: application/json' \
    -d "{\"set\":\"$1\",\"options\":$2}" "$SERVER_URL/api/rooms" |
    jq -r '"\(.code) \(.host_secret)"'
}

# What else is running: the figures are only as quiet as the machine.
machine_note() {
  echo "# $(date -u +%FT%TZ) $(nproc) cores, load average:$(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/ /')"
  ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1>5 {printf "#   busy: %s %s%%\n", $2, $1}'
}

# Counting the server's fsync and fdatasync calls (perf with syscall
# tracepoints; skipped when perf cannot read them): commits ≈ syncs, so
# rows per sync shows how well group commit batches.
SYNC_PERF=
SYNC_FILE=
start_sync_count() {
  SYNC_PERF=
  SYNC_FILE=$(mktemp /tmp/quizline-syncs.XXXXXX)
  if command -v perf >/dev/null && perf stat -e syscalls:sys_enter_fsync true >/dev/null 2>&1; then
    perf stat -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -x, \
      -o "$SYNC_FILE" -p "$SERVER_PID" &
    SYNC_PERF=$!
    sleep 0.3
  fi
}
# Sets SYNCS to the number of syncs, or to nothing when they were not
# counted. (Not for $(...): perf must be waited for by this shell.)
SYNCS=
stop_sync_count() {
  SYNCS=
  if [ -n "$SYNC_PERF" ]; then
    kill -INT "$SYNC_PERF" 2>/dev/null || true
    wait "$SYNC_PERF" 2>/dev/null || true
    SYNCS=$(awk -F, '/sys_enter_f(data)?sync/ {s += $1} END {print s + 0}' "$SYNC_FILE")
  fi
  rm -f "$SYNC_FILE"
  SYNC_PERF=
}

# CPU seconds the whole machine spent busy so far (all cores, from
# /proc/stat): a run's share that is neither the server's nor the driver's
# was other processes (or interrupts), i.e. noise.
machine_busy_s() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat
}
