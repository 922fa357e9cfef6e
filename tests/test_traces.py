"""Each vendor page, traced field by field to its profile's schemas.

``schemas/profiles/traces/<profile>.yaml`` lists every parameter and response field a page
documents, with its documented type, range, default, enum and required-ness (and, where the page
contradicts itself, what it ``written`` and the ``reading`` taken). This test asserts that each
one appears in the profile's composed schemas exactly so.

Types compare exactly for requests. For responses and chunks the schema may add ``null`` to a
documented type: the base contract tolerates null where OpenAI's own examples send it
(``response.json``), and tolerating is not changing what a conformant server sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.contract._profile import load_profile, profile_names
from conformance.contract._schema_store import load_schema, schema_dir
from conformance.generate._strategies import declared_types, json_type

TRACES = schema_dir() / "profiles" / "traces"
SECTIONS = {"request": "request_schema", "response": "response_schema", "chunk": "chunk_schema"}
COMPARED = (
    "default",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
)
ENTRY_KEYS = {
    "path",
    "type",
    "required",
    "enum",
    "written",
    "reading",
    "example_only",
    "note",
    *COMPARED,
}

Located = tuple[str, Mapping[str, Any]]  # (schema document name, node)


def _trace(profile_id: str) -> dict[str, Any]:
    data = yaml.safe_load((TRACES / f"{profile_id}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _entries() -> Iterator[Any]:
    for profile_id in profile_names():
        for section in SECTIONS:
            for entry in _trace(profile_id).get(section, []):
                yield pytest.param(
                    profile_id, section, entry, id=f"{profile_id}:{section}:{entry['path']}"
                )


def _deref(document: str, node: Mapping[str, Any]) -> Located:
    while "$ref" in node:
        target, _, pointer = str(node["$ref"]).partition("#")
        document = target or document
        node = load_schema(document)
        for part in [p for p in pointer.split("/") if p]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return document, node


def _variants(located: Located) -> Iterator[Located]:
    """The node and every branch it may take (anyOf/oneOf/allOf, if/then), $refs followed."""
    document, node = _deref(*located)
    yield document, node
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []):
            yield from _variants((document, branch))
    for key in ("then", "else"):
        if key in node:
            yield from _variants((document, node[key]))


def _step(located: Located, part: str) -> Iterator[tuple[Located, Located]]:
    """(parent, child) pairs for one path segment: a property name, "[]" for array items, or
    "*" for the values of a map (``additionalProperties``); the parent is the variant (branch)
    whose ``properties`` holds the child."""
    for document, node in _variants(located):
        if part == "[]":
            if "items" in node:
                yield (document, node), (document, node["items"])
        elif part == "*":
            if isinstance(node.get("additionalProperties"), Mapping):
                yield (document, node), (document, node["additionalProperties"])
        elif part in node.get("properties", {}):
            yield (document, node), (document, node["properties"][part])


def _resolve(schema: str, path: str) -> list[tuple[Located, Located]]:
    parts = path.replace("[]", ".[]").split(".")
    found: list[tuple[Located, Located]] = [((schema, {}), (schema, load_schema(schema)))]
    for part in [p for p in parts if p]:
        found = [pair for _, child in found for pair in _step(child, part)]
    return found


def _types(located: Located) -> set[str]:
    kinds: set[str] = set()
    for _, node in _variants(located):
        kinds.update(declared_types(node) or ())
        for value in [*node.get("enum", []), *([node["const"]] if "const" in node else [])]:
            kinds.add(json_type(value))
    return kinds


def _mismatches(
    section: str, entry: Mapping[str, Any], parent: Located, child: Located
) -> list[str]:
    """What differs between the entry and one place the path resolves to."""
    name = entry["path"].rsplit(".", 1)[-1]
    _, node = _deref(*child)
    wrong = []
    if "type" in entry:
        documented = {entry["type"]} if isinstance(entry["type"], str) else set(entry["type"])
        actual = _types(child)
        extra = actual - documented
        if entry.get("example_only"):
            # An example shows one value: its type must be allowed, not be the only one.
            if not documented <= actual:
                wrong.append(f"type {sorted(actual)} does not admit {sorted(documented)}")
        elif actual != documented and not (section != "request" and extra == {"null"}):
            wrong.append(f"type {sorted(actual)} != {sorted(documented)}")
    for key in COMPARED:
        if key in entry and node.get(key, "<absent>") != entry[key]:
            wrong.append(f"{key} {node.get(key, '<absent>')!r} != {entry[key]!r}")
    if "required" in entry and name != "[]":
        required = name in parent[1].get("required", [])
        if required != entry["required"]:
            wrong.append(f"required {required} != {entry['required']}")
    return wrong


@pytest.mark.parametrize(("profile_id", "section", "entry"), list(_entries()))
def test_each_documented_field_is_in_the_profile_exactly_so(
    profile_id: str, section: str, entry: Mapping[str, Any]
) -> None:
    assert set(entry) <= ENTRY_KEYS, f"unknown keys {set(entry) - ENTRY_KEYS}"
    if "reading" in entry:
        assert "written" in entry, "a reading says what it reads: give 'written'"
    schema = getattr(load_profile(profile_id), SECTIONS[section])
    found = _resolve(schema, entry["path"])
    assert found, f"{entry['path']} is not in {schema}"
    verdicts = [_mismatches(section, entry, parent, child) for parent, child in found]
    assert any(not wrong for wrong in verdicts), f"{entry['path']} in {schema}: {verdicts}"
    if "enum" in entry:
        documented = {v for v in entry["enum"] if v is not None}
        assert _enum(profile_id, entry["path"], [child for _, child in found]) == documented


def _enum(profile_id: str, path: str, found: list[Located]) -> set[Any]:
    """The values a path admits: the profile's finish reasons for a finish_reason (they live in
    the profile, not in the schema), else every enum and const of every place it resolves to
    (a path may cross several kinds, e.g. user and assistant content parts)."""
    if path.endswith("finish_reason"):
        return set(load_profile(profile_id).finish_reasons)
    values: set[Any] = set()
    for located in found:
        for _, node in _variants(located):
            values.update(v for v in node.get("enum", []) if v is not None)
            if "const" in node:
                values.add(node["const"])
    return values


@pytest.mark.parametrize("profile_id", profile_names())
def test_each_profile_has_a_trace_of_its_page(profile_id: str) -> None:
    trace = _trace(profile_id)
    profile = load_profile(profile_id)
    assert trace["profile"] == profile_id
    assert trace["path"] == profile.chat_path
    assert trace["request"], "a page documents at least its request body"
    if "finish_reasons" in trace:
        assert set(trace["finish_reasons"]) <= profile.finish_reasons
    if "error_statuses" in trace:
        assert set(trace["error_statuses"]) == profile.documented_statuses


def test_every_trace_is_a_profile() -> None:
    assert sorted(path.stem for path in Path(TRACES).glob("*.yaml")) == profile_names()
