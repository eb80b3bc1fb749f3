#!/usr/bin/env bash
# Start-up of the command line: wall time from `java -jar` to exit of the read-only commands (no Spring context),
# the same `tenants` through the full application (--nightbake.cli.fast-reads=false), a write command (set-state, the
# full application as always) and `--version` (the JVM and the launcher alone: the floor). Every round runs each command
# once, each after a second with the CPUs at least 90% idle; prints min and median per command, the machine and the
# load average.
#   bench/cli-startup.sh [--rounds 5] [--home DIR]
# Needs the built jar (./mvnw -B -ntp -DskipTests package); makes a demo home (demo --no-serve --tenants 5) in
# /tmp/nb-cli-demo when DIR has none.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5; HOME_DIR=/tmp/nb-cli-demo
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    --home) HOME_DIR="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
JAR=batch-core/target/nightbake.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -B -ntp -DskipTests package" >&2; exit 1; }
if [ ! -d "$HOME_DIR/db" ]; then
  java -jar "$JAR" demo --no-serve --tenants 5 --nightbake.home="$HOME_DIR" >/dev/null
fi
H="--nightbake.home=$HOME_DIR"
COMMANDS=("--version" "tenants" "runs" "runs --run 1" "api-key list" "experiment --tenant tenant-001"
  "tenants --nightbake.cli.fast-reads=false" "set-state --tenant tenant-001 --state ON --reason cli-startup-bench")
declare -A TIMES
TIME_FILE=$(mktemp)
trap 'rm -f "$TIME_FILE"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# percent of CPU time idle over the next second
idle() {
  read -r _ a b c d e f g _ < /proc/stat; local t1=$((a+b+c+d+e+f+g)) i1=$d
  sleep 1
  read -r _ a b c d e f g _ < /proc/stat; echo $(( 100 * (d - i1) / (a+b+c+d+e+f+g - t1) ))
}
for _ in $(seq "$ROUNDS"); do
  for c in "${COMMANDS[@]}"; do
    # other work on the machine: start each run after a second with the CPUs at least 90% idle (at most a minute)
    for _ in $(seq 60); do [ "$(idle)" -ge 90 ] && break; done
    # shellcheck disable=SC2086 # the command's words are meant to split
    /usr/bin/time -f %e -o "$TIME_FILE" java -jar "$JAR" $H $c >/dev/null 2>&1 || true
    TIMES[$c]="${TIMES[$c]:-} $(tail -1 "$TIME_FILE")"
  done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${COMMANDS[@]}"; do
  sorted=$(echo ${TIMES[$c]} | tr ' ' '\n' | sort -n | tr '\n' ' ')
  printf "%-42s min %5s s  median %5s s   (%s)\n" "$c" "$(echo $sorted | awk '{print $1}')" \
    "$(echo $sorted | awk '{print $(int((NF+1)/2))}')" "$sorted"
done
