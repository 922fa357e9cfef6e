"""The requirement catalogue, read from ``schemas/requirements.yaml``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from conformance.base import ConfigError, read_data_file
from conformance.contract._formats import REQUIREMENTS_FORMAT, check_format
from conformance.contract._schema_store import schema_dir

Level = Literal["MUST", "SHOULD", "MAY"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "MAY")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a requirement is read from: a document, the clause in it, and a link if public."""

    document: str
    clause: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One promise of the contract, in our own words, with the clauses it comes from."""

    id: str
    level: Level
    statement: str
    sources: tuple[Source, ...]


def read_requirements(path: Path) -> Mapping[str, Requirement]:
    """The requirements a catalogue file holds, by ID, in file order; a file that breaks the
    format (``schemas/requirements.schema.json``) or defines an ID twice is a ConfigError."""
    entries = read_data_file(path)
    check_format(entries, REQUIREMENTS_FORMAT, path)
    catalogue: dict[str, Requirement] = {}
    for entry in entries:
        if entry["id"] in catalogue:
            raise ConfigError(f"{path}: requirement {entry['id']} is defined twice")
        catalogue[entry["id"]] = Requirement(
            id=entry["id"],
            level=entry["level"],
            statement=entry["statement"],
            sources=tuple(
                Source(s["document"], s["clause"], s.get("url")) for s in entry["sources"]
            ),
        )
    return catalogue


@functools.cache
def requirements() -> Mapping[str, Requirement]:
    """Every requirement of the shipped catalogue, by ID, in catalogue order."""
    return read_requirements(schema_dir() / "requirements.yaml")


def requirement(requirement_id: str) -> Requirement:
    """The requirement with this ID; a ConfigError names the unknown ID."""
    try:
        return requirements()[requirement_id]
    except KeyError:
        raise ConfigError(f"unknown requirement {requirement_id!r}") from None
