"""Where the recorded exchanges are (override with CONFORMANCE_FIXTURES), listed once."""

from __future__ import annotations

import os
from pathlib import Path

from conformance.live._validate import expand

FIXTURES = Path(os.environ.get("CONFORMANCE_FIXTURES", Path(__file__).parent.parent / "fixtures"))
GOOD = expand([FIXTURES / "good"])
BAD = expand([FIXTURES / "bad"])


def fixture_id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))
