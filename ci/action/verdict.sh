#!/bin/sh
# Step "verdict" (runs even when an earlier step failed, and last): fails the job when the run
# was not conformant (exit code 1), did not complete (2, 3, 130), fell short of the strict tier
# with strict: true, or regressed against the baseline. Every reason is printed, not only the
# first.
set -eu
. "$(dirname "$0")/lib.sh"

failed=0
fail() {
    printf '::error::%s\n' "$1" >&2
    failed=1
}

code=${RUN_EXIT_CODE:-}
case $code in
    '') fail "the suite did not run: an earlier step of the action failed" ;;
    0) ;;
    1) fail "not conformant: at least one MUST failure (exit code 1)" ;;
    2) fail "usage or configuration error (exit code 2): see the run step's log" ;;
    3) fail "the run could not be completed (exit code 3): see stopped in the JSON report" ;;
    *) fail "conformance run exited $code" ;;
esac

strict=$(yes_no strict "${INPUT_STRICT:-false}") || {
    fail "input strict must be true or false"
    strict=false
}
if [ "$strict" = true ] && [ "$code" = 0 ] && [ "${STRICT_CONFORMANT:-}" != true ]; then
    fail "strict: true and the run has SHOULD failures (conformant, but not strict)"
fi

case ${REGRESSIONS:-} in
    true) fail "regressed against the baseline ${INPUT_BASELINE:-}: see the job summary" ;;
    false) ;;
    *) fail "the comparison with the baseline did not finish" ;;
esac
case ${DIFF_EXIT_CODE:-} in
    '' | 0 | 1) ;;
    *) fail "the baseline ${INPUT_BASELINE:-} could not be compared (conformance diff exited $DIFF_EXIT_CODE)" ;;
esac

if [ "$failed" -eq 0 ]; then
    echo "conformant${DIFF_EXIT_CODE:+, and no regression against the baseline}"
fi
exit "$failed"
