"""What the package, its schemas, fixtures and benchmarks cite is something a user can read.

A citation names a public source: a vendor page, OpenAI's openapi.yaml at a commit, a server's
public issue or pull request, an RFC or the WHATWG HTML standard. Section signs are allowed only
inside such a citation ("RFC 9110 §15.5.6", "RFC 9110 §15.5.1, §15.5.21", "WHATWG HTML §9.2.6");
a bare "§8" or "§4.3 rule 3" points into notes that users do not have, and so do the file names
of those notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
# Where a user reads what we cite: the installed package and its data, the tests and benchmarks
# of the sdist, and the repo's pages.
WALKED = (
    "schemas",
    "fixtures",
    "conformance",
    "bench",
    "tools",
    "docs",
    "tests",
    "ci",
    "action.yml",
    "README.md",
    "ARCHITECTURE.md",
    "noxfile.py",
    "pyproject.toml",
)
#: This file, whose examples of private citations are what the tests above must find.
SELF = Path(__file__).resolve()
SUFFIXES = {".py", ".json", ".yaml", ".yml", ".md", ".txt", ".toml", ".html", ".j2", ".sh"}

# Names of notes that exist only where this project is written, never where it is used.
PRIVATE_NOTES = re.compile(
    r"spec\.md|spec notes|DESIGN\.md|perf\.md|anchors\.md|style-study\.md",
    re.IGNORECASE,
)
# A section sign inside a public citation: the document, then one section or a list of them.
_SECTION = r"§\d+(?:\.\d+)*"
PUBLIC_SECTIONS = re.compile(
    rf"(?:RFC \d+|WHATWG HTML) {_SECTION}(?:(?:, and |, | and ){_SECTION})*"
)
BARE_SECTION = re.compile(r"§\s*\d")


def private_citations(line: str) -> list[str]:
    """What in one line cites something users cannot read (empty when the line is clean)."""
    found = [match.group(0) for match in PRIVATE_NOTES.finditer(line)]
    rest = PUBLIC_SECTIONS.sub("", line)
    found += [match.group(0) for match in BARE_SECTION.finditer(rest)]
    return found


def walked_files() -> Iterator[Path]:
    for name in WALKED:
        path = ROOT / name
        if path.is_file():
            yield path
        else:
            yield from (
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix in SUFFIXES
                and not {"__pycache__", "node_modules"} & set(p.parts)
                and p.resolve() != SELF
            )


@pytest.mark.parametrize(
    "line",
    [
        "sequencing is checked elsewhere (spec.md §4.3).",
        "- document: spec notes §8.20",
        "source: https://github.com/ollama/ollama/issues/7881 (§8 item 12)",
        "# 404 (§15.5.5; OpenAI itself answers 404)",
        "the SDK raises without it, §4.3 rule 3",
        "The exit codes of every command (DESIGN.md)",
        "RFC 9110 §15.6.2 says so; §9.1 too",
    ],
)
def test_a_private_citation_is_found(line: str) -> None:
    assert private_citations(line)


@pytest.mark.parametrize(
    "line",
    [
        "source: RFC 9110 §15.5.6",
        "(RFC 9110 §15.5.6, §15.5.5, §15.6.2)",
        "A 400 or 422 says the request is invalid (RFC 9110 §15.5.1, §15.5.21), which",
        "source: RFC 9110 §15.5.6 (405), RFC 9110 §15.6.1 (500 is unexpected)",
        "WHATWG HTML §9.2.6: one space after the colon is removed if present",
        "source: https://github.com/openai/openai-openapi/blob/f85dbe2/openapi.yaml, Error",
        "fixtures/bad/s8-17-vllm-error-envelope.yaml",
    ],
)
def test_a_public_citation_passes(line: str) -> None:
    assert private_citations(line) == []


def test_everything_users_read_cites_only_public_sources() -> None:
    files = list(walked_files())
    assert len(files) > 100, "the walk found the package, its schemas and its fixtures"
    cited = [
        f"{path.relative_to(ROOT)}:{number}: {', '.join(found)}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if (found := private_citations(line))
    ]
    assert cited == [], "cites notes users do not have:\n" + "\n".join(cited)
