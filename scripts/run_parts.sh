#!/usr/bin/env bash
# Run a queue of benchmark parts, one process, one torch thread, each part in
# its own folder (so a queue cut short keeps every finished part; combine them
# with scripts/combine_results.py). Usage: scripts/run_parts.sh QUEUE
# Each QUEUE line: TASK METHOD SEED [extra benchmark flags...]; a part whose
# folder already holds raw_results.csv is skipped. OUT (default results/parts)
# and BIN (default .venv/bin) can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
OUT=${OUT:-results/parts}
mkdir -p "$OUT"
while read -r task method seed extra; do
  [[ -z "$task" || "$task" == \#* ]] && continue
  dir="$OUT/$task-$method-s$seed"
  [[ -f "$dir/raw_results.csv" ]] && continue
  echo "## $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg) :: $task $method $seed" >> "$OUT/log.txt"
  # shellcheck disable=SC2086
  "$BIN/botorch-roma" benchmark --tasks "$task" --methods "$method" --seeds "$seed," \
    --n 128 --out "$dir" --workers 1 --threads 1 --quiet $extra \
    >> "$OUT/log.txt" 2>&1 || echo "## FAILED $task $method $seed" >> "$OUT/log.txt"
done < "$1"
echo "## $(date +%T) done $1" >> "$OUT/log.txt"
