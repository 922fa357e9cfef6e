"""The requirement catalogue, read from ``schemas/requirements.yaml``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import yaml

from conformance._errors import ConfigError
from conformance._schemas import schema_dir

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


def _parse(entry: Any, where: str) -> Requirement:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: each requirement must be a mapping, got {entry!r}")
    try:
        level = entry["level"]
        if level not in LEVELS:
            raise ConfigError(
                f"{where}: {entry['id']}: level must be one of {LEVELS}, got {level!r}"
            )
        sources = tuple(
            Source(document=str(s["document"]), clause=str(s["clause"]), url=s.get("url"))
            for s in entry["sources"]
        )
        return Requirement(
            id=str(entry["id"]),
            level=cast(Level, level),
            statement=str(entry["statement"]),
            sources=sources,
        )
    except KeyError as missing:
        raise ConfigError(
            f"{where}: requirement {entry.get('id', '?')!r} lacks {missing}"
        ) from None


@functools.cache
def requirements() -> Mapping[str, Requirement]:
    """Every requirement of the catalogue, by ID, in catalogue order."""
    path = schema_dir() / "requirements.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue: dict[str, Requirement] = {}
    for entry in entries:
        requirement = _parse(entry, str(path))
        if requirement.id in catalogue:
            raise ConfigError(f"{path}: requirement {requirement.id} is defined twice")
        catalogue[requirement.id] = requirement
    return catalogue


def requirement(requirement_id: str) -> Requirement:
    """The requirement with this ID; a ConfigError names the unknown ID."""
    try:
        return requirements()[requirement_id]
    except KeyError:
        raise ConfigError(f"unknown requirement {requirement_id!r}") from None
