#!/usr/bin/env bash
# Stop the single-node Slurm cluster that tests/cluster/slurm_up.sh started: slurmd, slurmctld
# and munged, each by the pid in its pid file, waiting until each has exited. The packages and
# the configuration stay, so the next slurm_up.sh only starts the daemons again. Safe to call
# when nothing runs.
set -euo pipefail

stop() { # stop NAME PIDFILE
	local name=$1 pidfile=$2 pid
	[ -s "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "slurm_down: $name (pid $pid) did not stop within 30 s" >&2
			return 1
		fi
		echo "slurm_down: stopped $name (pid $pid)"
	fi
	rm -f "$pidfile"
}

# The node first, so that the controller does not mark it down while it stops.
stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
stop munged /run/munge/munged.pid
