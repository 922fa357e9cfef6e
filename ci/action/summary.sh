#!/bin/sh
# Step "summary" (runs even when an earlier step failed): appends the run's Markdown report to
# the job summary, or says why there is none, and what the exit code means.
set -eu

reports=${INPUT_REPORTS_DIR:-conformance-reports}
markdown=$reports/summary.md
code=${RUN_EXIT_CODE:-}
# GitHub refuses a step summary over 1 MiB whole:
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary
limit=1000000

case $code in
    '') meaning="the suite did not run (an earlier step of the action failed; see its log)" ;;
    0) meaning="conformant: no MUST failure" ;;
    1) meaning="not conformant: at least one MUST failure" ;;
    2) meaning="usage or configuration error (see the step log)" ;;
    3) meaning="the run could not be completed (see \`stopped\` in the JSON report)" ;;
    130) meaning="interrupted" ;;
    *) meaning="unexpected exit code" ;;
esac

{
    if [ -f "$markdown" ]; then
        size=$(wc -c <"$markdown")
        if [ "$size" -le "$limit" ]; then
            cat -- "$markdown"
        else
            head -c "$limit" -- "$markdown"
            printf '\n\n_The Markdown report is cut here (%s bytes); the whole one is in the uploaded reports._\n' "$size"
        fi
    else
        echo "## chat-conformance: no report"
        echo
        echo "The run wrote no Markdown report."
    fi
    echo
    if [ -n "$code" ]; then
        printf '_conformance run exited %s: %s._\n' "$code" "$meaning"
    else
        printf '_%s._\n' "$meaning"
    fi
} >>"$GITHUB_STEP_SUMMARY"
echo "summary: $meaning"
