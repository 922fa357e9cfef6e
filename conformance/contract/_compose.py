"""A profile's schema overlay: what one vendor's page changes in a base schema document.

A profile writes, for ``request``, ``response`` or ``chunk``, the differences its page documents
from the base contract, and :func:`compose` applies them to a copy of the base schema file:

``documented``
    the base's top-level properties the page documents; the others are dropped (with the
    top-level ``if``/``then`` rules that name them), so they become
    unknown extra parameters, which a target may refuse or ignore (the base admits unknown keys),
    and valid requests never draw them;
``parameters``
    top-level properties added or replaced (``name: schema``), or removed (``name: null``);
``required``
    the top-level required properties (replaces the base list);
``roles``
    the message roles the page allows (requests only): the role enum of ``$defs/message`` is
    narrowed and the branches of the other roles dropped;
``patch``
    anything else, as ``JSON pointer: value`` (the pointer's parent must exist; the value
    replaces what is there, ``null`` removes it, and a last segment ``-`` appends to an array,
    as in JSON Patch).

The result is a whole document with the base's ``$defs`` layout, so a location such as
``#/$defs/tool`` means the same thing in the base and in every profile.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from conformance.base import ConfigError

__all__ = ["OVERLAY_KEYS", "compose"]

OVERLAY_KEYS: Final = ("documented", "parameters", "required", "roles", "patch")


def compose(base: Mapping[str, Any], overlay: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A copy of ``base`` with ``overlay`` applied; ``where`` names the overlay in errors
    (``"profiles/anyapi.yaml: request"``)."""
    unknown = sorted(set(overlay) - set(OVERLAY_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; known: {list(OVERLAY_KEYS)}")
    document = copy.deepcopy(dict(base))
    properties = document.setdefault("properties", {})
    if "documented" in overlay:
        kept = overlay["documented"]
        if not isinstance(kept, list) or not all(isinstance(n, str) for n in kept):
            raise ConfigError(f"{where}.documented: a list of parameter names, got {kept!r}")
        strange = sorted(set(kept) - set(properties))
        if strange:
            raise ConfigError(f"{where}.documented: not in the base schema: {strange}")
        for name in [n for n in properties if n not in kept]:
            del properties[name]
    parameters = overlay.get("parameters", {})
    if not isinstance(parameters, Mapping):
        raise ConfigError(f"{where}.parameters: a mapping of name to schema, got {parameters!r}")
    for name, schema in parameters.items():
        if schema is None:
            properties.pop(name, None)
        elif isinstance(schema, Mapping | bool):
            properties[name] = copy.deepcopy(schema)
        else:
            raise ConfigError(f"{where}.parameters.{name}: a JSON Schema, got {schema!r}")
    _drop_orphan_rules(document)
    if "required" in overlay:
        required = overlay["required"]
        if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
            raise ConfigError(f"{where}.required: a list of property names, got {required!r}")
        document["required"] = list(required)
    if "roles" in overlay:
        _narrow_roles(document, overlay["roles"], f"{where}.roles")
    patch = overlay.get("patch", {})
    if not isinstance(patch, Mapping):
        raise ConfigError(f"{where}.patch: a mapping of JSON pointer to value, got {patch!r}")
    for pointer, value in patch.items():
        _set(document, str(pointer), value, f"{where}.patch[{pointer!r}]")
    return document


def _drop_orphan_rules(document: dict[str, Any]) -> None:
    """Drop the top-level ``if``/``then`` rules about a parameter the profile no longer has.

    A rule such as "stream_options needs stream: true" belongs to the parameters it names; on a
    page that does not document one of them the rule is not part of the contract either (the
    parameter is an unknown extra one, which a target may refuse or ignore).
    """
    if "allOf" not in document:
        return
    present = set(document["properties"])

    def kept(rule: Any) -> bool:
        if not isinstance(rule, Mapping) or "if" not in rule:
            return True
        named = [*rule["if"].get("required", ()), *rule.get("then", {}).get("required", ())]
        return all(name in present for name in named)

    document["allOf"] = [rule for rule in document["allOf"] if kept(rule)]
    if not document["allOf"]:
        del document["allOf"]


def _narrow_roles(document: dict[str, Any], roles: Any, where: str) -> None:
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise ConfigError(f"{where}: a non-empty list of role names, got {roles!r}")
    message = document.get("$defs", {}).get("message")
    if not isinstance(message, dict):
        raise ConfigError(f"{where}: the base schema has no $defs/message to narrow")
    known = message["properties"]["role"]["enum"]
    strange = [r for r in roles if r not in known]
    if strange:
        raise ConfigError(f"{where}: unknown roles {strange}; the base contract knows {known}")
    message["properties"]["role"]["enum"] = list(roles)
    message["allOf"] = [
        branch
        for branch in message.get("allOf", [])
        if branch.get("if", {}).get("properties", {}).get("role", {}).get("const") in roles
    ]


def _set(document: dict[str, Any], pointer: str, value: Any, where: str) -> None:
    if not pointer.startswith("/"):
        raise ConfigError(f"{where}: a JSON pointer starts with '/'")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    node: Any = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ConfigError(f"{where}: the base schema has nothing at {part!r}")
    last = parts[-1]
    if isinstance(node, dict):
        if value is None:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    elif isinstance(node, list) and last == "-":
        node.append(copy.deepcopy(value))
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = copy.deepcopy(value)
    else:
        raise ConfigError(f"{where}: cannot set {last!r} here")
