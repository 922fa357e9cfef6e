"""The interop findings have one source: docs/interop.md shows exactly the expectations file,
whose every entry names a registered check, a known server, what the server does and the clause.
"""

from __future__ import annotations

from pathlib import Path

from interop.table import load, table

from conformance.checks import REGISTRY

DOC = Path(__file__).parents[1] / "docs" / "interop.md"


def test_the_document_shows_the_expectations_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = text.split("<!-- findings:begin -->\n", 1)[1].split("<!-- findings:end -->", 1)[0]
    assert shown == table(load())


def test_every_expected_finding_is_complete() -> None:
    expectations = load()
    for name, target in expectations["targets"].items():
        assert target["server"] in expectations["servers"], name
        assert {"profile", "model"} <= set(target), name
        for check, finding in (target.get("fails") or {}).items():
            assert check in REGISTRY, f"{name}: {check} is not a registered check"
            assert finding["does"].strip(), f"{name}: {check} says nothing of the server"
            assert finding["breaks"].strip(), f"{name}: {check} cites no clause"
