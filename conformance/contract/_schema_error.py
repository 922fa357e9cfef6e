"""What a schema, or a rule beside it, says is wrong with an instance."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One explained schema violation."""

    path: str
    """JSON path of the offending value: ``"$"``, ``"$.choices[0].finish_reason"``,
    ``"$.messages[2]['weird key']"``."""
    schema_path: str
    """Where in the schema the failing keyword is, e.g. ``"properties/choices/items/required"``
    (``$ref`` hops are not listed)."""
    keyword: str
    """The failing keyword: ``"required"``, ``"type"``, ``"const"``, …"""
    message: str
    """The validator's message."""
    expected: str
    """What the schema wanted, in short: ``"one of ['stop', 'length']"``, ``"type string"``,
    ``"property 'id'"``."""
    actual: Any
    """The offending instance value."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (expected {self.expected}; schema {self.schema_path})"


ContractRule = Callable[[Any], Iterable[tuple[Sequence[int | str], SchemaError]]]
"""A rule beside a schema, for what JSON Schema cannot state (a value that must equal another
one, see :mod:`_cross_field`): each violation of an instance, with the path of the
offending value as parts."""
