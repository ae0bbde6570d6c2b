#!/usr/bin/env bash
# Remote-write load against Sluice's server, Prometheus 2.42 (--web.enable-remote-write-receiver) and
# VictoriaMetrics 1.79, alternated round by round in one session; each server starts empty on a free
# loopback port, takes the same load, is stopped by PID, and its stored samples are counted afterwards
# (Sluice: `inspect` on its directory; Prometheus and VictoriaMetrics: sum(count_over_time(...)) over
# their HTTP API). Prints one line per run and writes JSON per run into OUT.
#
# usage: bench/scripts/server-peers.sh [--rounds N] [--duration 30s] [--out DIR] [--targets "sluice-none sluice-batch vm prometheus"]
#                                      [-- extra remote-write args]
# Needs: the built jars (./mvnw -q -DskipTests package), and for the peers: apt-get install -y prometheus victoria-metrics
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=3; DURATION=30s; OUT=${TMPDIR:-/tmp}/sluice-server-peers; TARGETS="sluice-none sluice-batch vm prometheus"
EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2;;
    --duration) DURATION=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --targets) TARGETS=$2; shift 2;;
    --) shift; EXTRA=("$@"); break;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
BENCH=bench/target/sluice-bench.jar; SERVER=server/target/sluice-server.jar
[ -f $BENCH ] && [ -f $SERVER ] || { echo "build first: ./mvnw -q -DskipTests package" >&2; exit 2; }
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 300); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "not ready: $1" >&2; return 1; }
stop() { kill -TERM "$1" 2>/dev/null || true; for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done; kill -KILL "$1" 2>/dev/null || true; }
query_count() { # base url, last timestamp ms -> stored samples of the load's series
  local t=$(( $2 / 1000 + 1 ))
  curl -sf "$1/api/v1/query" --data-urlencode 'query=sum(count_over_time({__name__=~"metric_.*"}[1h]))' --data-urlencode "time=$t" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)'
}
printf '%-14s %5s %14s %10s %10s %10s %14s %s\n' target round samples/s p50_us p99_us errors stored check
for round in $(seq "$ROUNDS"); do
  for target in $TARGETS; do
    if [[ $target == prometheus ]] && ! command -v prometheus >/dev/null; then echo "SKIPPED prometheus: not installed"; continue; fi
    if [[ $target == vm ]] && ! command -v victoria-metrics >/dev/null; then echo "SKIPPED vm: not installed"; continue; fi
    data=$(mktemp -d); port=$(free_port); log="$OUT/$target-$round.log"; json="$OUT/$target-$round.json"
    case $target in
      sluice-*)
        java -jar $SERVER --dir "$data/sluice" --listen 127.0.0.1:$port --grpc-listen 127.0.0.1:0 --durability "${target#sluice-}" > "$log" 2>&1 &
        pid=$!; wait_ready "http://127.0.0.1:$port/-/ready";;
      vm)
        victoria-metrics -storageDataPath="$data/vm" -httpListenAddr=127.0.0.1:$port -search.latencyOffset=0s -search.disableCache -loggerLevel=ERROR > "$log" 2>&1 &
        pid=$!; wait_ready "http://127.0.0.1:$port/health";;
      prometheus)
        printf 'global:\n  scrape_interval: 1m\n' > "$data/p.yml"
        prometheus --config.file="$data/p.yml" --storage.tsdb.path="$data/tsdb" --web.listen-address=127.0.0.1:$port \
          --web.enable-remote-write-receiver --log.level=error > "$log" 2>&1 &
        pid=$!; wait_ready "http://127.0.0.1:$port/-/ready";;
    esac
    java -jar $BENCH remote-write --url "http://127.0.0.1:$port/api/v1/write" --duration "$DURATION" --quiet --json "$json" "${EXTRA[@]}" >> "$log" 2>&1 || true
    sent=$(python3 -c "import json; print(json.load(open('$json'))['samples'])")
    last=$(python3 -c "import json; print(json.load(open('$json'))['last_timestamp_ms'])")
    case $target in
      sluice-*)
        stop $pid; wait $pid 2>/dev/null || true
        java -jar $BENCH inspect --dir "$data/sluice" --json "$OUT/$target-$round.inspect.json" > /dev/null
        stored=$(python3 -c "import json; print(json.load(open('$OUT/$target-$round.inspect.json'))['samples'])");;
      vm)
        curl -sf "http://127.0.0.1:$port/internal/force_flush" > /dev/null || true; sleep 2
        stored=$(query_count "http://127.0.0.1:$port" "$last"); stop $pid; wait $pid 2>/dev/null || true;;
      prometheus)
        stored=$(query_count "http://127.0.0.1:$port" "$last"); stop $pid; wait $pid 2>/dev/null || true;;
    esac
    check=$([ "$stored" = "$sent" ] && echo "stored = acknowledged" || echo "MISMATCH: acknowledged $sent")
    python3 - "$json" "$target" "$round" "$stored" "$check" <<'PY'
import json,sys
d=json.load(open(sys.argv[1])); l=d['latency_us']
print(f"{sys.argv[2]:<14} {sys.argv[3]:>5} {d['samples_per_sec']:>14,.0f} {l['p50']:>10} {l['p99']:>10} {d['errors']:>10} {int(sys.argv[4]):>14,} {sys.argv[5]}")
PY
    rm -rf "$data"
  done
done
