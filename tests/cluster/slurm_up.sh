#!/usr/bin/env bash
# Start a single-node Slurm cluster on this machine, for tests/test_slurm.py.
#
#   tests/cluster/slurm_up.sh      # install (first time), configure, start; idempotent
#   tests/cluster/slurm_down.sh    # stop the daemons again
#
# Installs Debian's munge, slurmctld and slurmd with apt-get (as root), writes a one-node
# slurm.conf for this host (partition "debug", 2 CPUs, no accounting database, no cgroups so
# that it runs inside a container), starts munged, slurmctld and slurmd directly (no systemd)
# and waits until `sinfo` shows the node idle. A second call finds the cluster up and returns.
#
# Exit status: 0 the cluster is up; 77 it cannot be set up here (not root, no apt-get, the
# packages cannot be installed): the last line of standard error says why and the test is
# skipped with that reason; anything else is a real failure (the test fails).
set -euo pipefail

readonly CANNOT=77
readonly SLURM_CONF=/etc/slurm/slurm.conf
readonly STATE=/var/lib/slurm
readonly LOGS=/var/log/slurm
readonly NODE_CPUS=2

cannot() {
	echo "slurm_up: cannot start a Slurm cluster here: $*" >&2
	exit "$CANNOT"
}

fail() {
	echo "slurm_up: $*" >&2
	exit 1
}

node_state() {
	sinfo --noheader --nodes="$NODE" --format=%t 2>/dev/null | head -n 1 | tr -d '*'
}

NODE=$(hostname -s)

# Already up (a second call, or a cluster left running): nothing to do.
if command -v sinfo >/dev/null && [ "$(node_state)" = idle ]; then
	echo "slurm_up: already running: node $NODE idle"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || cannot "not root (apt-get and the daemons need root)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
	command -v apt-get >/dev/null || cannot "no apt-get (not a Debian-like system)"
	export DEBIAN_FRONTEND=noninteractive
	# policy-rc.d 101: the packages' maintainer scripts must not start the daemons (there is
	# no init system in a container, and we start them ourselves with our own configuration).
	policy=/usr/sbin/policy-rc.d
	had_policy=false
	[ -e "$policy" ] && had_policy=true
	$had_policy || printf '#!/bin/sh\nexit 101\n' >"$policy"
	$had_policy || chmod +x "$policy"
	installed=true
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client; } \
		>/tmp/slurm_up.apt.log 2>&1 || installed=false
	$had_policy || rm -f "$policy"
	$installed || cannot "apt-get install munge slurmctld slurmd failed: $(tail -n 1 /tmp/slurm_up.apt.log)"
fi

# The memory Slurm may hand out: the machine's, less 512 MB for the system and the daemons.
total_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
real_memory=$((total_mb > 1024 ? total_mb - 512 : total_mb))
# Slurm refuses a node that reports fewer CPUs than its configuration claims.
[ "$(nproc)" -ge "$NODE_CPUS" ] || cannot "this machine has $(nproc) CPU, the test node needs $NODE_CPUS"

mkdir -p /etc/slurm "$STATE/slurmctld" "$STATE/slurmd" "$LOGS" /run/munge
cat >"$SLURM_CONF" <<CONF
# Written by tests/cluster/slurm_up.sh: a one-node test cluster on this host.
ClusterName=normbench
SlurmctldHost=$NODE(127.0.0.1)
# The daemons and the jobs run as root: this is a throw-away cluster inside a test machine,
# and CI runs the tests as root.
SlurmUser=root
SlurmdUser=root
DisableRootJobs=NO
AuthType=auth/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No cgroups (a container may not delegate them): track processes by parentage, bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct has nothing to ask, so the test tells the executor plugin to use squeue,
# which sees finished jobs for MinJobAge seconds (the plugin wants at least 3 status intervals).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NODE_CPUS RealMemory=$real_memory State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF

# munge: one key shared by the controller and the node (the same machine).
if [ ! -s /etc/munge/munge.key ]; then
	if command -v mungekey >/dev/null; then
		mungekey --create --force
	else
		dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
	fi
fi
chown munge:munge /etc/munge/munge.key /run/munge
chmod 400 /etc/munge/munge.key
if ! munge -n </dev/null >/dev/null 2>&1; then
	runuser -u munge -- munged || fail "munged did not start"
fi

# Start each daemon unless it already runs (its pid file names a live process).
running() {
	[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}
running /run/slurmctld.pid || slurmctld || fail "slurmctld did not start (see $LOGS/slurmctld.log)"
running /run/slurmd.pid || slurmd || fail "slurmd did not start (see $LOGS/slurmd.log)"

# The node registers within a few seconds; resume it if an earlier run left it down.
for _ in $(seq 60); do
	state=$(node_state)
	case "$state" in
	idle) echo "slurm_up: started: node $NODE idle (partition debug, $NODE_CPUS CPUs, ${real_memory} MB)"; exit 0 ;;
	down | drain | drng | fail) scontrol update nodename="$NODE" state=resume 2>/dev/null || true ;;
	esac
	sleep 1
done
fail "node $NODE not idle after 60 s (state '${state:-unknown}'); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
