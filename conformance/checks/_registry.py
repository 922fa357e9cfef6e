"""The check registry, and the runner that applies every check to one exchange.

A check is a plain function over one exchange and the profile it is judged by. It yields a
:class:`Violation` for each way the exchange breaks its requirement (none when it holds) and
raises :class:`~conformance.base._errors.NotApplicable` with a reason when it does not apply, which
includes having nothing to judge: a check passes only when it judged something. The runner
calls every check whose kinds include the exchange's kind and collects all violations.

A check also declares the features it judges (the names of
:data:`~conformance.contract._profile.FEATURES`), so that a feature the target refused cleanly skips
exactly that feature's checks (:class:`Refusal`), and may be the sole judge of a deliberately
broken request (``sole_judge_of``), whose answer no other check then judges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Final

from conformance.base import ConfigError, Intent, NotApplicable
from conformance.checks._results import CheckResult, Violation
from conformance.contract import FEATURES, Level, Profile, Requirement, requirement
from conformance.exchange import Exchange, Kind


def refused(exchange: Exchange, profile: Profile) -> str | None:
    """How a clean refusal reads (a 4xx other than throttling, in the error envelope); else
    None. A clean refusal of a feature's request is what a :class:`Refusal` carries."""
    if exchange.kind != "error" or not 400 <= exchange.status < 500:
        return None
    if exchange.status in (408, 429) or not profile.error.is_valid(exchange.json):
        return None
    return f"{exchange.status} {str(exchange.json['error'].get('message'))[:160]}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A feature the target refused cleanly: its checks are skipped with this reason.

    Whoever sends the request decides it (a 4xx in the error envelope to a request asking for
    ``feature``); ``reason`` is what the target answered, e.g. ``"400 tools are not supported
    by this model"``. ``baseline`` is None when a plain request of the same run was accepted;
    otherwise it says what that plain request got, and the refusal says nothing of the feature.
    """

    feature: str
    reason: str
    baseline: str | None = None

    def __post_init__(self) -> None:
        if self.feature not in FEATURES:
            raise ConfigError(f"unknown feature {self.feature!r}; known: {', '.join(FEATURES)}")

    @property
    def skip_reason(self) -> str:
        if self.baseline is None:
            return f"the target does not offer {self.feature}: it answered {self.reason}"
        return (
            f"{self.feature} was requested and refused ({self.reason}), but the plain request "
            f"got {self.baseline} too: nothing shows whether the target offers {self.feature}"
        )


CheckFunction = Callable[[Exchange, Profile], Iterable[Violation]]


@dataclass(frozen=True)
class Check:
    """A registered check: a stable ID, the requirement it verifies and where it applies."""

    id: str
    requirement: Requirement
    kinds: frozenset[Kind]
    function: CheckFunction
    judges_invalid_requests: bool = False  # see run_checks
    features: frozenset[str] = frozenset()  # the features it judges: see Refusal
    sole_judge_of: Intent | None = None  # see run_checks

    @cached_property
    def passed(self) -> CheckResult:
        """The verdict when the check passes: immutable, so built once and shared."""
        return CheckResult(self.id, self.requirement.id, self.requirement.level, "passed")

    def skipped(self, reason: str) -> CheckResult:
        return CheckResult(self.id, self.requirement.id, self.level, "skipped", (), reason)

    @property
    def level(self) -> Level:
        return self.requirement.level

    @property
    def summary(self) -> str:
        """The first line of the check's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0]


class Registry(Mapping[str, Check]):
    """The registered checks by ID, in registration order: a read-only mapping that grows only
    through :meth:`add` (the :func:`check` decorator), and knows the checks of each kind of
    exchange and the check that alone judges each intent."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._owners: dict[Intent, str] = {}
        self._by_kind: dict[Kind, tuple[Check, ...]] = {}

    def __getitem__(self, check_id: str) -> Check:
        return self._checks[check_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)

    def add(self, item: Check) -> None:
        """Register one check; an ID or a sole-judge intent taken twice is an error."""
        if item.id in self._checks:
            raise ConfigError(f"check {item.id!r} is registered twice")
        intent = item.sole_judge_of
        owner = self._owners.get(intent) if intent is not None else None
        if owner is not None:
            raise ConfigError(f"checks {owner!r} and {item.id!r} both judge {intent}")
        self._checks[item.id] = item
        if intent is not None:
            self._owners[intent] = item.id
        self._by_kind.clear()

    def for_kind(self, kind: Kind) -> tuple[Check, ...]:
        """The checks that apply to an exchange of ``kind``."""
        if kind not in self._by_kind:
            self._by_kind[kind] = tuple(c for c in self._checks.values() if kind in c.kinds)
        return self._by_kind[kind]

    def owner(self, intent: Intent | None) -> str | None:
        """The ID of the check that alone judges an answer to a request of ``intent``."""
        return None if intent is None else self._owners.get(intent)

    def select(self, names: Iterable[str]) -> list[Check]:
        """The checks ``names`` picks, in registration order: check IDs, or groups, the first
        parts of IDs (``"stream"`` picks every ``stream.*`` check). A name that picks nothing is
        a ConfigError, so a misspelling never selects no check in silence."""
        wanted = list(names)

        def picks(name: str, check_id: str) -> bool:
            return check_id == name or check_id.startswith(name + ".")

        unknown = [name for name in wanted if not any(picks(name, cid) for cid in self)]
        if unknown:
            raise ConfigError(f"no check is named {', '.join(unknown)}")
        return [item for cid, item in self.items() if any(picks(name, cid) for name in wanted)]


REGISTRY: Final = Registry()


def _features(feature: str | Iterable[str] | None, check_id: str) -> frozenset[str]:
    names = frozenset(
        () if feature is None else (feature,) if isinstance(feature, str) else feature
    )
    unknown = sorted(names - set(FEATURES))
    if unknown:
        raise ConfigError(f"check {check_id!r} names unknown features {unknown}")
    return names


def check(
    check_id: str,
    *,
    requirement_id: str,
    kinds: Iterable[Kind],
    judges_invalid_requests: bool = False,
    feature: str | Iterable[str] | None = None,
    sole_judge_of: Intent | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under a stable dotted ID; registering an ID twice is an error.

    ``judges_invalid_requests``: the check also judges the answer to a request that breaks the
    request contract. ``feature``: the feature(s) of
    :data:`~conformance.contract._profile.FEATURES` the check judges, skipped when the target
    refused that feature. ``sole_judge_of``: an intent whose answer this check alone judges.
    See :func:`run_checks` for all three.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise ConfigError(f"check {check_id!r} is registered twice")
        if not (function.__doc__ or "").strip():
            raise ConfigError(f"check {check_id!r} has no docstring")
        REGISTRY.add(
            Check(
                check_id,
                requirement(requirement_id),
                frozenset(kinds),
                function,
                judges_invalid_requests,
                _features(feature, check_id),
                sole_judge_of,
            )
        )
        return function

    return register


_EXCERPT: Final = 400  # characters of a long value a failure keeps


def excerpt(value: Any) -> Any:
    """What a failure keeps of the value it found: the value itself when small, else the start
    of its text with its size, so findings never hold a whole body until the report."""
    if isinstance(value, bytes):
        if len(value) <= _EXCERPT * 2:
            return value
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=repr)
        if len(text) <= _EXCERPT * 2:
            return value
    else:
        return value
    if len(text) <= _EXCERPT * 2:
        return text
    return f"{text[:_EXCERPT]}… ({len(text):,} characters in all)"


_OUTSIDE = "the request breaks the contract: errors.invalid_request judges its answer"


def run_checks(
    exchange: Exchange,
    profile: Profile,
    checks: Iterable[Check] | None = None,
    *,
    refusal: Refusal | None = None,
) -> list[CheckResult]:
    """Apply every check that fits the exchange's kind; collect every violation of every check.

    Three kinds of answer are judged by fewer checks, each skipped one saying which judges it:

    - An answer to a request that breaks the request contract (``n: 0``, ``max_tokens: -1``)
      has no defined content: that it got one is the finding (``errors.invalid_request``), and
      judging the answer against the request (0 choices? at most -1 tokens?) would report its
      consequences as further, false, findings. So only the checks that judge invalid requests
      see such an answer; an error answer to it is judged as every error is.
    - An answer to a request of an intent that a check is the sole judge of (a wrong method:
      ``errors.wrong_method``) is judged by that check alone: how a server's framework answers
      an unsupported method is one finding, not one per MUST check.
    - ``refusal``: the target refused a feature cleanly. When the answer is a 4xx, every check
      of that feature is skipped with the refusal's reason, whatever kinds it judges, so the
      report says why the feature was not judged; every other check judges the error answer as
      usual (a refusal served as text/plain is still a ``response.content_type`` finding). Any
      other answer is no refusal (a 5xx is a crash), and the checks judge it as usual.
    """
    kind = exchange.kind
    outside = (
        kind != "error"
        and exchange.request is not None
        and not profile.request.is_valid(exchange.request)
    )
    owner = REGISTRY.owner(exchange.intent)
    refused = refusal if refusal is not None and 400 <= exchange.status < 500 else None
    if checks is None:
        checks = REGISTRY.values() if refused is not None else REGISTRY.for_kind(kind)
    results = []
    for item in checks:
        if refused is not None and refused.feature in item.features:
            results.append(item.skipped(refused.skip_reason))
            continue
        if kind not in item.kinds:
            continue
        if owner is not None and item.id != owner:
            results.append(item.skipped(f"judged by {owner}"))
            continue
        if outside and not item.judges_invalid_requests:
            results.append(item.skipped(_OUTSIDE))
            continue
        try:
            violations = list(item.function(exchange, profile))
        except NotApplicable as skip:
            results.append(item.skipped(skip.reason))
            continue
        except Exception as bug:  # a bug of ours must not hide the other checks' verdicts
            reason = f"{type(bug).__name__}: {bug}"
            results.append(
                CheckResult(item.id, item.requirement.id, item.level, "error", (), reason)
            )
            continue
        if not violations:
            results.append(item.passed)
            continue
        failures = tuple(replace(v, check=item.id, actual=excerpt(v.actual)) for v in violations)
        results.append(CheckResult(item.id, item.requirement.id, item.level, "failed", failures))
    return results
