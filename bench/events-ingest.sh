#!/usr/bin/env bash
# Ingest benchmark of the events API: one tenant with published lists, a `serve` on a free port, wrk posting batches
# of 100 events from keep-alive connections. Prints events/s, p50/p99 batch latency and the machine.
#   bench/events-ingest.sh [--postgres] [--seconds 20] [--connections 8] [--threads 2]
# Needs wrk (Debian: apt-get install wrk) and the built jar (./mvnw -B -ntp -DskipTests package).
# --postgres uses a fresh schema of the PostgreSQL at 127.0.0.1:5432, database test, user postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=20; CONNECTIONS=8; THREADS=2; PG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) PG=1 ;;
    --seconds) SECONDS_RUN="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
JAR=batch-core/target/nightbake.jar
[ -f "$JAR" ] || { echo "build the jar first: ./mvnw -B -ntp -DskipTests package" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
HOME_DIR=$(mktemp -d -t nightbake-events-bench.XXXXXX)
ARGS=(--nightbake.home="$HOME_DIR")
DB="H2 (embedded file)"
if [ -n "$PG" ]; then
  DB="PostgreSQL 127.0.0.1"
  SCHEMA="nb_bench_$(date +%s)"
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $SCHEMA" >/dev/null
  ARGS+=(--spring.profiles.active=postgres "--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$SCHEMA"
         --spring.datasource.username=postgres --spring.flyway.schemas="$SCHEMA")
fi
CUSTOMERS=2000
java -jar "$JAR" generate --tenants 1 --seed 1 --largest-customers $CUSTOMERS --largest-products 400 \
  --out "$HOME_DIR/tenants" >/dev/null
java -jar "$JAR" run-nightly --date 2026-10-31 "${ARGS[@]}" >/dev/null
KEY=$(java -jar "$JAR" api-key create --tenant tenant-001 --name bench "${ARGS[@]}" | grep -o 'nbk_[A-Za-z0-9_-]*' | head -1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -jar "$JAR" serve --no-schedule --server.port="$PORT" --server.address=127.0.0.1 "${ARGS[@]}" \
  > "$HOME_DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/api/v1/tenants/tenant-001/recommendations/status" \
    | grep -q '"published":true' && break
  sleep 0.5
done
RID=$(curl -sf -H "Authorization: Bearer $KEY" \
  "http://127.0.0.1:$PORT/api/v1/tenants/tenant-001/customers/cust-000001/recommendations" | grep -o 'nbr1\.[^"]*')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/{print $2}') GB;" \
  "$(java -version 2>&1 | head -1); database: $DB; load generator on the same machine"
# warm-up (JIT, connection pool), then the measured run
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/events-ingest.lua "http://127.0.0.1:$PORT" -- tenant-001 "$KEY" "$RID" $CUSTOMERS >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency -s bench/events-ingest.lua "http://127.0.0.1:$PORT" \
  -- tenant-001 "$KEY" "$RID" $CUSTOMERS | grep -E 'batches|ingest|batch latency|unexpected|Socket errors'
kill $SERVER; wait $SERVER 2>/dev/null || true
rm -rf "$HOME_DIR"
if [ -n "$PG" ]; then psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null; fi
