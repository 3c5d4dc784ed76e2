#!/usr/bin/env bash
# Stop the daemons tests/slurm/start-local-slurm.sh STATE_DIR started (and only those).
set -uo pipefail
state=$(realpath -m "${1:?usage: stop-local-slurm.sh STATE_DIR}")
for name in slurmd slurmctld; do
  if [ -f "$state/$name.started" ]; then
    kill "$(cat "$state/$name.started")" 2>/dev/null
    rm -f "$state/$name.started"
  fi
done
if [ -f "$state/munged.pid" ]; then
  kill "$(cat "$state/munged.pid")" 2>/dev/null
  rm -f "$state/munged.pid"
fi
sleep 1
if [ -f "$state/run_slurm_conf.ours" ]; then
  rm -rf /run/slurm/conf
  rmdir /run/slurm 2>/dev/null
  rm -f "$state/run_slurm_conf.ours"
fi
exit 0
