#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a warm one.
#
# 1. a virtual environment in .venv with cks-trainer and its test extras;
# 2. a Docker Engine (scripts/ensure-docker.sh: uses one that answers, else
#    installs Debian's docker.io and starts dockerd, as root);
# 3. the offline base images (scripts/prepare_images.py: skips what is current);
# 4. pytest, with any arguments given to this script.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

if scripts/ensure-docker.sh; then
    if [ "$(id -u)" = 0 ] && ! command -v debootstrap >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    .venv/bin/python scripts/prepare_images.py
else
    echo "test.sh: no Docker Engine; tests marked docker will skip (and fail under CI=true)" >&2
fi

exec .venv/bin/python -m pytest "$@"
