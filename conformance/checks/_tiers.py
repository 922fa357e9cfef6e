"""The two tiers of request parameters: the core every compatible server validates, and the
parameters a profile lets a target ignore (OpenAI-platform features; ``may_ignore`` in the
profile, with the evidence of the servers that ignore them).

A run finds out which of the ignorable parameters the target implements by sending each once
with a wrongly typed value: accepted means ignored (a SHOULD finding, ``params.platform_ignored``,
and no more requests spent on it); refused means implemented, and from then on the parameter is
judged as core, so a deeper violation accepted is a MUST finding (``errors.invalid_request``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from conformance.contract import Profile

#: Tried in order as the wrongly typed value of a parameter: the first the schema refuses at
#: the parameter itself is sent.
_WRONG_TYPES: Final = (12345, "conformance-wrong-type", [12345])
_REQUIRED = re.compile(r"^'([^']+)' is a required property")


def broken_parameters(profile: Profile, request: Mapping[str, Any]) -> frozenset[str]:
    """The top-level request parameters a violation of the profile's request schema lies in;
    "" stands for a violation no single parameter holds."""
    names = set()
    for error in profile.request.explain(request):
        path = error.path.removeprefix("$")
        if path.startswith("."):
            names.add(re.split(r"[.\[]", path[1:], maxsplit=1)[0])
            continue
        missing = _REQUIRED.match(error.message)
        names.add(missing.group(1) if missing else "")
    return frozenset(names)


def only_ignorable(profile: Profile, request: Mapping[str, Any]) -> frozenset[str]:
    """The parameters at fault when every violation of ``request`` lies in parameters the
    profile lets a target ignore; empty when the request is valid or breaks a core rule."""
    if profile.request.is_valid(request):
        return frozenset()
    broken = broken_parameters(profile, request)
    return broken if broken and broken <= profile.may_ignore.keys() else frozenset()


def wrong_type_probe(
    profile: Profile, base: Mapping[str, Any], parameter: str
) -> dict[str, Any] | None:
    """``base`` with ``parameter`` set to a value of the wrong type, refused by the schema at the
    parameter itself and nowhere else; None when no such value exists."""
    for value in _WRONG_TYPES:
        request = {**base, parameter: value}
        errors = profile.request.explain(request)
        if errors and all(error.path == f"$.{parameter}" for error in errors):
            return request
    return None


def judged_as(profile: Profile, ignored: Iterable[str]) -> Profile:
    """The profile a run judges by once it knows what the target ignores: only the ignored
    parameters stay ignorable, every implemented one is judged as core."""
    kept = {name: profile.may_ignore[name] for name in ignored if name in profile.may_ignore}
    return dataclasses.replace(profile, may_ignore=MappingProxyType(kept))
