"""Render the interop findings of ``expectations.yaml`` as the Markdown table of docs/interop.md.

``python tests/interop/table.py`` prints it; ``tests/test_interop_table.py`` keeps the document
equal to it, so the findings have one source.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

EXPECTATIONS = Path(__file__).with_name("expectations.yaml")
HEADER = (
    "| server | version | target (model) | check | what the server does | clause it breaks |\n"
    "|---|---|---|---|---|---|"
)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(expectations: dict[str, Any]) -> str:
    """One row per expected failure, in the file's order of targets and checks."""
    rows = [HEADER]
    for name, target in expectations["targets"].items():
        server = expectations["servers"][target["server"]]
        for check, finding in (target.get("fails") or {}).items():
            cells = (
                server["name"],
                str(server["version"]),
                f"{name} (`{target['model']}`)",
                f"`{check}`",
                finding["does"],
                finding["breaks"],
            )
            rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def load() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    return loaded


if __name__ == "__main__":
    sys.stdout.write(table(load()))
