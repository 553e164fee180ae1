#!/usr/bin/env bash
# Make a Docker Engine reachable for the test suite.
#
# If one already answers (DOCKER_HOST, the current docker context or the
# default socket), nothing is installed or started. Otherwise, on a Debian or
# Ubuntu machine where we are root, install Debian's docker.io, start dockerd in
# the background (in its own session, so it outlives this shell), and wait
# until it answers. The daemon is left running; its images stay in
# /var/lib/docker, so later runs are fast.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

engine_answers() {
    command -v docker >/dev/null 2>&1 && timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if engine_answers; then
    log "engine $(docker version --format '{{.Server.Version}}') answers; nothing to do"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    log "no Docker engine answers and this is not root, so none can be installed here."
    log "Start Docker (Docker Desktop, colima, 'sudo systemctl start docker') or set DOCKER_HOST."
    exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        log "no dockerd and no apt-get: install a Docker engine by hand"
        exit 1
    fi
    log "installing Debian's docker.io (one-off, about a minute)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
fi

# A dockerd left over from a killed run may still hold the pid file; it is
# safe to start anew once the old process is gone.
if ! pgrep -x dockerd >/dev/null 2>&1; then
    rm -f /var/run/docker.pid
    log "starting dockerd in the background (log: /var/log/cks-trainer-dockerd.log)"
    setsid dockerd >/var/log/cks-trainer-dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 120); do
    if engine_answers; then
        log "engine $(docker version --format '{{.Server.Version}}') answers"
        exit 0
    fi
    sleep 0.5
done
log "dockerd did not answer within 60 s; see /var/log/cks-trainer-dockerd.log"
tail -20 /var/log/cks-trainer-dockerd.log >&2 || true
exit 1
