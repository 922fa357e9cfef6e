"""One report of several models' runs against the same target: side by side, one verdict."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from conformance.report._model import RunReport, Target


def combined(runs: Sequence[RunReport], *, models: Sequence[str] = ()) -> RunReport:
    """The runs of several models as one report: every model's entries and latency, the
    budget spent by all, and a run that is complete only if every model's was.

    ``models`` lists every model that was to be judged, so that one the run never reached (it
    stopped first) is named, with no entries, and leaves the report incomplete.
    """
    if not runs:
        raise ValueError("no run to combine")
    first = runs[0]
    ran = tuple(run.target.model for run in runs)
    listed = tuple(models) or ran
    reached = all(model in ran for model in listed)
    stops = [run.stopped for run in runs if run.stopped is not None]
    return dataclasses.replace(
        first,
        target=Target(first.target.base_url, first.target.profile, ", ".join(listed), listed),
        duration_s=sum(run.duration_s for run in runs),
        requests=sum(run.requests for run in runs),
        prompt_tokens=sum(run.prompt_tokens for run in runs),
        completion_tokens=sum(run.completion_tokens for run in runs),
        entries=tuple(entry for run in runs for entry in run.entries),
        complete=reached and all(run.complete for run in runs),
        stopped=stops[-1] if stops else None,
        coverage=(sum(run.coverage[0] for run in runs), sum(run.coverage[1] for run in runs)),
        ignored=tuple(sorted({name for run in runs for name in run.ignored})),
        latency=tuple(row for run in runs for row in run.latency),
    )
