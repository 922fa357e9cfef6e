#!/bin/sh
# Step "run": runs `conformance run` with the action's inputs, writing every report into
# INPUT_REPORTS_DIR. The run's exit code becomes the output exit-code and this step succeeds
# whatever it was, so the summary, the diff and the upload still run; the step "verdict"
# fails the job afterwards.
#
# The API key never passes through here: the step's environment holds it (in
# CONFORMANCE_ACTION_API_KEY from the input api-key, or in the variable the input api-key-env
# names), and only the variable's NAME goes on the command line.
set -eu
. "$(dirname "$0")/lib.sh"

# refuse MESSAGE: a usage error of the action's inputs, recorded as the CLI's own exit 2 would be.
refuse() {
    printf '::error::%s\n' "$1" >&2
    set_output exit-code 2
    set_output conformant false
    set_output strict-conformant false
    set_output report-json ''
    exit 0
}

reports=${INPUT_REPORTS_DIR:-conformance-reports}
json=$reports/conformance.json

[ -n "${INPUT_BASE_URL:-}" ] || refuse "input base-url is required"
html=$(yes_no html "${INPUT_HTML:-true}") || refuse "input html must be true or false"
all_models=$(yes_no all-models "${INPUT_ALL_MODELS:-false}") ||
    refuse "input all-models must be true or false"

set -- run --base-url "$INPUT_BASE_URL" --profile "${INPUT_PROFILE:-openai-compatible}"

if [ -n "${INPUT_API_KEY_ENV:-}" ] && [ -n "${CONFORMANCE_ACTION_API_KEY:-}" ]; then
    refuse "give the key one way: input api-key or input api-key-env, not both"
elif [ -n "${INPUT_API_KEY_ENV:-}" ]; then
    case $INPUT_API_KEY_ENV in
        # Not a variable name: perhaps the key itself was given; it is not repeated here.
        [!A-Za-z_]* | *[!A-Za-z0-9_]*)
            refuse "input api-key-env must be the NAME of an environment variable holding the key (letters, digits, _), not the key"
            ;;
    esac
    set -- "$@" --api-key-env "$INPUT_API_KEY_ENV"
elif [ -n "${CONFORMANCE_ACTION_API_KEY:-}" ]; then
    set -- "$@" --api-key-env CONFORMANCE_ACTION_API_KEY
fi

# One --model per id: ids hold no spaces, so the input splits on spaces and new lines (with
# globbing off, a "*" in an id stays a "*").
set -f
for model in ${INPUT_MODEL:-}; do set -- "$@" --model "$model"; done
set +f
if [ "$all_models" = true ]; then set -- "$@" --all-models; fi
if [ -n "${INPUT_SEED:-}" ]; then set -- "$@" --seed "$INPUT_SEED"; fi
if [ -n "${INPUT_MAX_REQUESTS:-}" ]; then set -- "$@" --max-requests "$INPUT_MAX_REQUESTS"; fi
if [ -n "${INPUT_MAX_TIME:-}" ]; then set -- "$@" --max-time "$INPUT_MAX_TIME"; fi

set -- "$@" \
    --report "json:$json" \
    --report "junit:$reports/junit.xml" \
    --report "markdown:$reports/summary.md" \
    --report "badge:$reports/badge.svg"
if [ "$html" = true ]; then set -- "$@" --report "html:$reports/report.html"; fi

mkdir -p -- "$reports"
# The command line holds no secret: print it for whoever reads the log.
echo "conformance $*"
code=0
conformance "$@" || code=$?
echo "conformance run exited $code"

set_output exit-code "$code"
if [ "$code" -eq 0 ]; then set_output conformant true; else set_output conformant false; fi
if [ -f "$json" ]; then
    set_output report-json "$json"
    # summary.strict: no SHOULD failure either (OpenAI's whole contract).
    strict=$("$(python_command)" -c 'import json, sys
print(str(json.load(open(sys.argv[1], encoding="utf-8"))["summary"]["strict"]).lower())' "$json")
    if [ "$code" -eq 0 ] && [ "$strict" = true ]; then
        set_output strict-conformant true
    else
        set_output strict-conformant false
    fi
else
    set_output report-json ''
    set_output strict-conformant false
fi
