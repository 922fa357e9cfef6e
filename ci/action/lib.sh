# Shared by the action's step scripts (sourced, not run): step outputs and yes/no inputs.
# Each step of a composite action gets its own GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files:
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#environment-files

# set_output NAME VALUE: one step output, in the delimited form GitHub documents for multi-line
# values, so a value that holds a newline (a path) cannot forge a second output:
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
set_output() {
    delimiter="EOF_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >>"$GITHUB_OUTPUT"
}

# yes_no NAME VALUE: prints true or false for a yes/no input (empty is false); returns 1 for
# anything else, after an error annotation naming the input.
yes_no() {
    case $(printf '%s' "$2" | tr '[:upper:]' '[:lower:]') in
        true) echo true ;;
        false | '') echo false ;;
        *)
            printf '::error::input %s must be true or false, not %s\n' "$1" "$2" >&2
            return 1
            ;;
    esac
}

# python_command: an interpreter to read a JSON report with (setup-python provides python; a
# runner image without it usually has python3).
python_command() {
    command -v python3 || command -v python
}
