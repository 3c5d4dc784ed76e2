#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for the workflow's SLURM tests (root, no systemd needed).
#
#   tests/slurm/start-local-slurm.sh STATE_DIR     start (installs the Debian packages if missing)
#   export SLURM_CONF=STATE_DIR/slurm.conf         what sbatch/squeue/snakemake then need
#   tests/slurm/stop-local-slurm.sh STATE_DIR      stop exactly the daemons this script started
#
# The node offers every CPU, memory below what is free, and one fake GPU (gres on /dev/null) so GPU jobs schedule.
# Exit status 3: SLURM cannot be installed or started here (not root, no apt-get, no package mirror).
set -euo pipefail

state=$(realpath -m "${1:?usage: start-local-slurm.sh STATE_DIR}")
mkdir -p "$state/spool" "$state/ctld" "$state/log"
cannot() { echo "local SLURM unavailable: $*" >&2; exit 3; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
  [ "$(id -u)" = 0 ] || cannot "packages missing and not root"
  command -v apt-get >/dev/null || cannot "packages missing and no apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge \
    >"$state/log/apt.log" 2>&1 || cannot "apt-get install failed (see $state/log/apt.log)"
fi
[ "$(id -u)" = 0 ] || cannot "slurmd needs root"

host=$(hostname -s)
cpus=$(nproc)
free_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
memory=$((free_mb > 4096 ? free_mb - 2048 : free_mb / 2))

cat >"$state/slurm.conf" <<CONF
ClusterName=nlirobust-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# jobs share the node; squeue must still see finished jobs when Snakemake asks (no accounting database here)
DefMemPerCPU=500
MinJobAge=600
ReturnToService=2
KillWait=30
# configless: slurmd caches this file in /run/slurm/conf, where srun inside a job finds it (Snakemake's job step
# runs srun with SLURM_CONF removed from its environment)
SlurmctldParameters=enable_configless
GresTypes=gpu
NodeName=$host CPUs=$cpus RealMemory=$memory Gres=gpu:1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$state/gres.conf" <<CONF
AutoDetect=off
NodeName=$host Name=gpu File=/dev/null
CONF

# munge: reuse a running munged, else start one as the munge user (it refuses to run as root)
if ! munge -n </dev/null >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || { mkdir -p /etc/munge; dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- munged --pid-file=/run/munge/munged.pid || cannot "munged did not start"
  cp /run/munge/munged.pid "$state/munged.pid"
fi

# slurmd (configless) caches the configuration in /run/slurm/conf; remember to remove it on stop, or every later
# SLURM client call (Snakemake's SLURM plugin makes some whenever it is imported) waits 9 s for a dead controller
if [ -L /run/slurm/conf ] && [ ! -e /run/slurm/conf ]; then
  rm -f /run/slurm/conf  # left by a cluster that was killed rather than stopped
fi
[ -e /run/slurm/conf ] || touch "$state/run_slurm_conf.ours"
export SLURM_CONF="$state/slurm.conf"
slurmctld -f "$SLURM_CONF" -D >>"$state/log/slurmctld.out" 2>&1 &
echo $! >"$state/slurmctld.started"
slurmd -D --conf-server "$host" >>"$state/log/slurmd.out" 2>&1 &
echo $! >"$state/slurmd.started"

for _ in $(seq 60); do
  if [ "$(sinfo -h -o %T 2>/dev/null)" = "idle" ]; then
    echo "local SLURM up: export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 1
done
tail -5 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
cannot "the node did not become idle within 60 s"
