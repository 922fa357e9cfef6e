"""Two runs compared from their JSON reports: what regressed, what was fixed, which checks came
or went, and which findings changed. ``conformance diff OLD.json NEW.json`` exits 1 on a
regression, so a CI job can gate a release on the last one's report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from conformance.base import read_data_file
from conformance.contract import REPORT_FORMAT, check_format

#: A check fails when it found a violation, or when it could not judge (its verdict is unknown).
_FAILING = frozenset({"failed", "error"})


class Change(NamedTuple):
    """One check between the two runs; a status is None where the run did not have the check."""

    check: str
    level: str
    old: str | None
    new: str | None
    old_message: str = ""
    new_message: str = ""
    model: str = ""  # the model it was judged on, when either run judged several

    @property
    def name(self) -> str:
        """The check, with its model when the runs judged several."""
        return f"{self.check} on {self.model}" if self.model else self.check


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """What changed from the ``old`` report to the ``new`` one, each change in one list."""

    old: Mapping[str, Any]
    new: Mapping[str, Any]
    regressions: tuple[Change, ...]  # not failing before, failing now
    fixes: tuple[Change, ...]  # failing before, passing now
    changed: tuple[Change, ...]  # failing both times, with another finding
    added: tuple[Change, ...]  # checks only the new run has (a newer suite)
    removed: tuple[Change, ...]  # checks only the old run has
    moved: tuple[Change, ...]  # any other change of status, e.g. passed -> skipped

    def gating(self, *, strict: bool = False) -> tuple[Change, ...]:
        """The regressions that fail a release: MUST ones, and SHOULD ones when strict."""
        levels = ("MUST", "SHOULD") if strict else ("MUST",)
        return tuple(change for change in self.regressions if change.level in levels)


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report written by ``--report json:PATH``; a ConfigError says what is wrong."""
    document = read_data_file(path)
    check_format(document, REPORT_FORMAT, path)
    return document  # type: ignore[no-any-return]


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> ReportDiff:
    """Compare two JSON report documents (``report.schema.json``), check by check; when either
    run judged several models, check by check of each model."""
    by_model = _several(old) or _several(new)
    before = _results(old, by_model=by_model)
    after = _results(new, by_model=by_model)
    lists: dict[str, list[Change]] = {
        name: [] for name in ("regressions", "fixes", "changed", "added", "removed", "moved")
    }
    for model, check in sorted(before.keys() | after.keys()):
        was, now = before.get((model, check)), after.get((model, check))
        change = Change(
            check,
            str((now or was or {}).get("level", "")),
            None if was is None else str(was["status"]),
            None if now is None else str(now["status"]),
            "" if was is None else str(was["message"]),
            "" if now is None else str(now["message"]),
            model,
        )
        kind = _kind(change, was, now)
        if kind is not None:
            lists[kind].append(change)
    return ReportDiff(old, new, **{name: tuple(found) for name, found in lists.items()})


def _several(document: Mapping[str, Any]) -> bool:
    return len(document["target"].get("models") or ()) > 1


def _results(
    document: Mapping[str, Any], *, by_model: bool
) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The results by (model, check); the model is left out unless the runs judged several,
    so that two runs of one model under different ids still compare."""
    return {
        (str(result.get("model") or "") if by_model else "", result["check"]): result
        for result in document["results"]
    }


def _kind(
    change: Change, was: Mapping[str, Any] | None, now: Mapping[str, Any] | None
) -> str | None:
    if was is None:
        return "added"
    if now is None:
        return "removed"
    failing_before, failing_now = change.old in _FAILING, change.new in _FAILING
    if failing_now and not failing_before:
        return "regressions"
    if failing_before and change.new == "passed":
        return "fixes"
    if failing_before and failing_now:
        return "changed" if _finding(was) != _finding(now) else None
    return "moved" if change.old != change.new else None


def _finding(result: Mapping[str, Any]) -> tuple[Any, ...]:
    """What a failing check found, without what varies between two runs of one target (counts
    of exchanges, scenarios, timings): its status, where, what it expected and what came back."""
    evidence = result.get("evidence") or {}
    return (
        result["status"],
        evidence.get("path"),
        evidence.get("expected"),
        repr(evidence.get("actual")),
    )


# -- renderings ----------------------------------------------------------------------------------

_SECTIONS: tuple[tuple[str, str], ...] = (
    ("regressions", "Regressions"),
    ("fixes", "Fixes"),
    ("changed", "Changed findings"),
    ("added", "Checks added"),
    ("removed", "Checks removed"),
    ("moved", "Other changes of status"),
)


def _headline(diff: ReportDiff, *, strict: bool) -> str:
    gating = diff.gating(strict=strict)
    levels = "MUST or SHOULD" if strict else "MUST"
    if gating:
        return f"REGRESSED: {len(gating)} {levels} check(s) fail now that did not before"
    if diff.regressions:
        return f"no {levels} regression ({len(diff.regressions)} other check(s) fail now)"
    return "no regression"


def _notes(diff: ReportDiff) -> list[str]:
    """What makes the two runs less comparable than they look."""
    notes = []
    old, new = diff.old["target"], diff.new["target"]
    for key in ("profile", "model"):
        if old[key] != new[key]:
            notes.append(f"note: the runs differ in {key} ({old[key]!r}, then {new[key]!r})")
    if not diff.new["summary"]["complete"]:
        notes.append("note: the new run did not complete: a check it never reached is not a fix")
    return notes


def _run(document: Mapping[str, Any]) -> str:
    target, summary = document["target"], document["summary"]
    verdict = "conformant" if summary["conformant"] else "not conformant"
    return (
        f"{target['base_url']} (profile {target['profile']}, seed {document['seed']}, "
        f"suite {document['tool']['version']}): {verdict}, {summary['passed']} passed, "
        f"{summary['failed']} failed, {summary['skipped']} skipped"
    )


def _status(change: Change) -> str:
    return f"{change.old or '-'} -> {change.new or '-'}"


def render_diff_plain(diff: ReportDiff, *, strict: bool = False) -> str:
    lines = [_headline(diff, strict=strict), f"old: {_run(diff.old)}", f"new: {_run(diff.new)}"]
    lines += _notes(diff)
    for name, title in _SECTIONS:
        changes: tuple[Change, ...] = getattr(diff, name)
        if not changes:
            continue
        lines += ["", f"{title} ({len(changes)}):"]
        for change in changes:
            lines.append(f"  {change.name} [{change.level}] {_status(change)}")
            if change.new_message and change.new in _FAILING:
                lines.append(f"      now: {change.new_message}")
            if change.old_message and change.old in _FAILING:
                lines.append(f"      was: {change.old_message}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_diff_markdown(diff: ReportDiff, *, strict: bool = False) -> str:
    lines = [
        f"## {_headline(diff, strict=strict)}",
        "",
        f"- old: {_cell(_run(diff.old))}",
        f"- new: {_cell(_run(diff.new))}",
        *(f"- {_cell(note)}" for note in _notes(diff)),
    ]
    for name, title in _SECTIONS:
        changes: tuple[Change, ...] = getattr(diff, name)
        if not changes:
            continue
        lines += ["", f"### {title} ({len(changes)})", "", "| check | level | status | finding |"]
        lines.append("|---|---|---|---|")
        for change in changes:
            finding = change.new_message if change.new in _FAILING else change.old_message
            lines.append(
                f"| `{change.name}` | {change.level} | {_status(change)} | {_cell(finding)} |"
            )
    return "\n".join(lines) + "\n"


DIFF_RENDERERS: dict[str, Callable[..., str]] = {
    "plain": render_diff_plain,
    "markdown": render_diff_markdown,
}
