#!/usr/bin/env bash
# A real Slurm cluster of one node, for CI: bring up munged, slurmctld and slurmd from Debian's
# packages on this machine, run a small sweep as a job array of shards with the very script
# docs/scaling.md shows (scripts/slurm/sweep-array.sbatch), wait for the array, merge the
# partials, and require the merged results.json to be byte-identical to the same sweep run here
# without shards.
#
# Exit status: 0 the merged results are identical; 1 the cluster ran but the array, the merge or
# the comparison failed; 77 this machine cannot run the cluster (no root, no apt-get, a package
# missing, a daemon that does not start): the caller must say so loudly, not count it a pass.
#
# Everything lives under $AGENTSIM_SLURM_DIR (default /var/spool/agentsim-ci-slurm): its own
# munge key and socket, slurm.conf (used through SLURM_CONF, /etc/slurm is not touched), state,
# logs and the sweep's files. The daemons listen on ports of their own, so a Slurm already on
# the machine is left alone. A second run cancels the jobs and stops the daemons a previous one
# left (by the pids in its pid files) and starts from an empty state. On exit, the jobs are
# cancelled and the daemons stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${AGENTSIM_SLURM_DIR:-/var/spool/agentsim-ci-slurm}
# AGENTSIM_SLURM_SBATCH: another batch script in its place, only to show that the check fails.
sbatch_file=${AGENTSIM_SLURM_SBATCH:-scripts/slurm/sweep-array.sbatch}
# The sweep: 4 sweep points x 2 policies x 2 replications = 16 cells of capacity-planning, in 4 shards.
export SWEEP_SCENARIO=scenarios/capacity-planning.yaml
export SWEEP_VARY='jobs.chat.arrivals.rate=0.2/s..2/s:4'
export SWEEP_REPLICATIONS=2
export SWEEP_SHARDS=4
export SWEEP_OUT=$dir/work/shards
array_timeout=${AGENTSIM_SLURM_TIMEOUT:-150}   # seconds for the whole array, queued to done

t0=$SECONDS
say() { printf '[slurm %3ds] %s\n' "$((SECONDS - t0))" "$*"; }
skip() {
  printf '[slurm] CANNOT RUN: %s\n' "$@" >&2
  exit 77
}
fail() {
  printf '[slurm] FAILED: %s\n' "$@" >&2
  exit 1
}
show_logs() {
  local f
  for f in "$dir"/log/*.log; do
    [ -s "$f" ] || continue
    printf -- '--- last lines of %s\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
}

# Our daemons, by the pids their pid files hold, and only while each pid is still that daemon:
# all signalled at once, then waited for (up to 10 s, then killed).
stop_daemons() {
  local name pid pids=()
  for name in slurmd slurmctld munged; do
    pid=$(cat "$dir/run/$name.pid" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] || continue
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  for _ in $(seq 100); do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && break; pid=; done
    [ -z "${pid:-}" ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -f "$dir"/run/*.pid
}
# Cancel every job of our cluster (its tasks' processes run under slurmstepd, not under the
# daemons) and wait for them to end, so nothing of a previous run writes into a new one.
cancel_jobs() {
  local conf=$dir/etc/slurm.conf ids
  [ -f "$conf" ] && [ -f "$dir/run/slurmctld.pid" ] || return 0
  ids=$(SLURM_CONF=$conf timeout 10 squeue -h -o %A 2>/dev/null | sort -u) || return 0
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  SLURM_CONF=$conf timeout 10 scancel $ids 2>/dev/null || true
  for _ in $(seq 30); do
    [ -z "$(SLURM_CONF=$conf timeout 10 squeue -h -o %A 2>/dev/null)" ] && return 0
    sleep 0.5
  done
}
teardown() {
  local status=$?
  cancel_jobs
  stop_daemons
  say "daemons stopped"
  exit "$status"
}

# --- packages --------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "not root: this script installs packages and runs the Slurm daemons as root."
have_all() { command -v munged && command -v slurmctld && command -v slurmd && command -v sbatch; } >/dev/null 2>&1
if ! have_all; then
  command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available to install slurm-wlm and munge."
  say "apt-get install slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge >"$1" 2>&1; }
  mkdir -p /tmp/agentsim-slurm-apt
  if ! apt_install /tmp/agentsim-slurm-apt/install.log; then
    apt-get update -q >/tmp/agentsim-slurm-apt/update.log 2>&1 || true
    apt_install /tmp/agentsim-slurm-apt/install.log || {
      tail -n 5 /tmp/agentsim-slurm-apt/install.log >&2
      skip "apt-get install slurmctld slurmd slurm-client munge failed (log above)."
    }
  fi
  have_all || skip "slurm and munge were installed but munged, slurmctld, slurmd or sbatch is still missing."
fi
say "$(slurmctld -V), munge $(munged -V 2>&1 | awk '{print $2; exit}')"

# --- a clean state: stop what a previous run left, then start over ---------------------------
cancel_jobs
stop_daemons
rm -rf "$dir"
mkdir -p "$dir"/{etc,run,log,munge,state,spool,work/logs}
chmod 0755 "$dir" "$dir"/*
chmod 0700 "$dir/munge"
trap teardown EXIT
trap 'exit 130' INT TERM

# --- munge -----------------------------------------------------------------------------------
socket=$dir/munge/munge.socket
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$dir/munge/munge.key"
if ! munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed" 2>"$dir/log/munged.start.log"; then
  show_logs
  skip "munged did not start."
fi
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null 2>&1 || {
  show_logs
  skip "munged started but a credential does not round-trip (munge | unmunge)."
}
say "munged up (socket $socket)"

# --- slurm.conf for this host ----------------------------------------------------------------
host=$(uname -n | cut -d. -f1)
cpus=$(nproc)
mem=$(free -m | awk '/^Mem:/ { print int($2 * 0.95) }')
export SLURM_CONF=$dir/etc/slurm.conf
cat >"$SLURM_CONF" <<CONF
# Written by scripts/slurm/ci-cluster.sh: one node, this machine, no cgroups.
ClusterName=agentsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# --- slurmctld and slurmd --------------------------------------------------------------------
slurmctld -c -i >"$dir/log/slurmctld.start.log" 2>&1 || {
  show_logs
  skip "slurmctld did not start."
}
slurmd -N "$host" >"$dir/log/slurmd.start.log" 2>&1 || {
  show_logs
  skip "slurmd did not start."
}
state=
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  scontrol show node "$host" >&2 2>/dev/null || true
  show_logs
  skip "the node $host is not idle 30 s after slurmd started (state: ${state:-none})."
fi
say "slurmctld and slurmd up: node $host idle, $cpus CPUs, ${mem} MB"

# --- the sweep, locally without shards -------------------------------------------------------
sweep_args=("$SWEEP_SCENARIO" --vary "$SWEEP_VARY" --replications "$SWEEP_REPLICATIONS")
say "local: agentsim sweep ${sweep_args[*]}"
node bin/agentsim.js sweep "${sweep_args[@]}" --out "$dir/work/local" >"$dir/work/local.log" 2>&1 || {
  tail -n 20 "$dir/work/local.log" >&2
  fail "the local sweep failed (the cluster was not even used)."
}

# --- the same sweep as a job array of shards -------------------------------------------------
say "sbatch --array=0-$((SWEEP_SHARDS - 1)) $sbatch_file ($SWEEP_SHARDS shards, 1 CPU each)"
# Submitted, then polled every second (sbatch --wait polls at 2, 8, then 32 s: up to half a
# minute idle after the last task ends).
job_id=$(sbatch --parsable --array=0-$((SWEEP_SHARDS - 1)) --cpus-per-task=1 \
  --output="$dir/work/logs/agentsim-%A_%a.out" "$sbatch_file") || fail "sbatch refused the job array."
job_id=${job_id%%;*}
deadline=$((SECONDS + array_timeout))
while [ -n "$(squeue -h -j "$job_id" -o %i 2>/dev/null)" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    squeue -a >&2 || true
    show_logs
    fail "the job array $job_id did not finish within ${array_timeout} s."
  fi
  sleep 1
done
# Every task must have completed with exit 0 (finished jobs are kept MinJobAge=300 s).
tasks=$(scontrol -o show job "$job_id" 2>/dev/null |
  sed -E 's/.*ArrayTaskId=([0-9]+).* JobState=([A-Z_]+).* ExitCode=([0-9:]+).*/task \1: \2, exit \3/' | sort)
printf '%s\n' "$tasks" | sed 's/^/  /'
ok=$(printf '%s\n' "$tasks" | grep -c ': COMPLETED, exit 0:0$' || true)
if [ "$ok" -ne "$SWEEP_SHARDS" ]; then
  for f in "$dir"/work/logs/*.out; do
    printf -- '--- %s\n' "$f" >&2
    tail -n 10 "$f" >&2
  done
  show_logs
  fail "the job array $job_id: $ok of $SWEEP_SHARDS tasks completed with exit 0."
fi
printf "  %s\n" "$SWEEP_OUT"/partial-*-of-"$SWEEP_SHARDS".json

# --- merge and compare -----------------------------------------------------------------------
say "agentsim merge $SWEEP_OUT/partial-*-of-$SWEEP_SHARDS.json"
node bin/agentsim.js merge "$SWEEP_OUT"/partial-*-of-"$SWEEP_SHARDS".json --out "$dir/work/merged" \
  >"$dir/work/merge.log" 2>&1 || {
  tail -n 20 "$dir/work/merge.log" >&2
  fail "agentsim merge rejected the partials of the job array."
}
if ! cmp "$dir/work/local/results.json" "$dir/work/merged/results.json"; then
  diff "$dir/work/local/results.json" "$dir/work/merged/results.json" | head -n 12 >&2 || true
  fail "the merged results.json of the job array differs from the local sweep's" \
    "($dir/work/local/results.json, $dir/work/merged/results.json)."
fi
say "PASS: results.json merged from $SWEEP_SHARDS Slurm array tasks is byte-identical to the local sweep's ($(wc -c <"$dir/work/merged/results.json") bytes)"
