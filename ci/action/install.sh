#!/bin/sh
# Step "install": pip-installs the suite into the Python that setup-python selected.
#
# INPUT_INSTALL  false: install nothing and use the `conformance` already on PATH (a job that
#                installed it itself; the action's own tests, which run on the checkout).
# INPUT_SOURCE   what pip installs; empty means the action's own checkout, GITHUB_ACTION_PATH,
#                so `uses: OWNER/chat-conformance@REF` runs exactly that REF.
set -eu
. "$(dirname "$0")/lib.sh"

install=$(yes_no install "${INPUT_INSTALL:-true}")
if [ "$install" = true ]; then
    source=${INPUT_SOURCE:-$GITHUB_ACTION_PATH}
    echo "installing the suite from $source"
    python -m pip install --disable-pip-version-check --quiet "$source"
else
    echo "install: false: using the conformance already installed"
fi
if ! command -v conformance >/dev/null 2>&1; then
    echo "::error::no conformance command on PATH (install: $install)" >&2
    exit 1
fi
echo "$(command -v conformance): $(conformance --version)"
