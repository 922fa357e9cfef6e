"""What a run reports while it goes: a value for each judged exchange and for each note. The
terminal display and the plain-line output both consume these values; neither parses text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Judgement:
    """One exchange judged: its scenario, the status that came back (0: none) and the checks
    it failed."""

    scenario: str
    status: int
    failed: tuple[str, ...] = ()

    def __str__(self) -> str:
        verdict = f"FAILED {', '.join(self.failed)}" if self.failed else "ok"
        return f"{self.scenario:<40} {self.status or '---'}  {verdict}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something the run says: a choice it made, a phase it skipped, why it stopped."""

    text: str

    def __str__(self) -> str:
        return self.text


Event = Judgement | Note
Progress = Callable[[Event], None]
