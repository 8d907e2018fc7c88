#!/usr/bin/env bash
# The ensemble-default selection runs of README "How the ensemble defaults will
# be chosen": every candidate on selection seeds 4 and 5 of each task, one
# process, one torch thread. Usage: scripts/run_selection.sh TASKS CANDIDATES
#   scripts/run_selection.sh levy-20,rosenbrock-86 a,b,c,d
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
OUT=${OUT:-results/selection}
declare -A CAND=(
  [a]=""
  [b]="roma:num_models=5 roma:pessimism=0"
  [c]="roma:num_models=5 roma:pessimism=1"
  [d]="roma:num_models=5 roma:pessimism=1 roma:select=best roma:steps=300"
  [e]="roma:num_models=5 roma:pessimism=1 roma:select=best roma:steps=300 roma:loss=listnet"
  [f]="roma:num_models=5 roma:pessimism=1 roma:select=best roma:steps=300 roma:loss=listnet roma:adaptation=none"
  [g]="roma:num_models=5 roma:pessimism=1 roma:select=best roma:steps=300 roma:loss=listnet roma:adaptation=none roma:epsilon=0.0 roma:select_epsilon=false"
)
IFS=, read -ra tasks <<< "$1"
IFS=, read -ra cands <<< "$2"
for task in "${tasks[@]}"; do
  for c in "${cands[@]}"; do
    dir="$OUT/$c-$task"
    [[ -f "$dir/raw_results.csv" ]] && continue
    flags=()
    for o in ${CAND[$c]}; do flags+=(--method-option "$o"); done
    echo "## $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg) :: $c $task" >> "$OUT/log.txt"
    "$BIN/botorch-roma" benchmark --tasks "$task" --methods roma --seeds 4,5 \
      --n 128 --out "$dir" --workers 1 --threads 1 --quiet "${flags[@]}" \
      >> "$OUT/log.txt" 2>&1
  done
done
echo "## $(date +%T) done $1 $2" >> "$OUT/log.txt"
