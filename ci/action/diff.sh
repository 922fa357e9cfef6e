#!/bin/sh
# Step "diff" (runs even when the run failed): compares the new JSON report with the stored
# baseline, when the input baseline names one, and appends the comparison to the job summary.
#
# Outputs: regressions (true/false: a MUST regression, or with strict a SHOULD one too) and
# diff-exit-code (empty when nothing was compared; 2 when a file was not a report).
set -eu
. "$(dirname "$0")/lib.sh"

reports=${INPUT_REPORTS_DIR:-conformance-reports}
json=$reports/conformance.json
baseline=${INPUT_BASELINE:-}

# skip MESSAGE: nothing to compare; the job summary says why, when a baseline was asked for.
skip() {
    if [ -n "$1" ]; then
        printf '::notice::%s\n' "$1"
        printf '\n_Baseline: %s._\n' "$1" >>"$GITHUB_STEP_SUMMARY"
    fi
    set_output regressions false
    set_output diff-exit-code ''
    exit 0
}

[ -n "$baseline" ] || skip ''
strict=$(yes_no strict "${INPUT_STRICT:-false}") || skip "not compared: input strict is not true or false"
[ -f "$baseline" ] || skip "no baseline report at $baseline yet, nothing to compare"
[ -f "$json" ] || skip "not compared: the run wrote no JSON report"

set -- diff "$baseline" "$json" --format markdown
if [ "$strict" = true ]; then set -- "$@" --strict; fi
echo "conformance $*"
code=0
conformance "$@" >"$reports/diff.md" || code=$?
cat -- "$reports/diff.md"
{ echo; cat -- "$reports/diff.md"; } >>"$GITHUB_STEP_SUMMARY"

set_output diff-exit-code "$code"
case $code in
    0) set_output regressions false ;;
    1) set_output regressions true ;;
    *)
        printf '::error::conformance diff exited %s: %s or %s is not a report\n' "$code" "$baseline" "$json" >&2
        set_output regressions false
        ;;
esac
