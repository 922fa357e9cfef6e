"""The check registry, and the runner that applies every check to one exchange.

A check is a plain function over one exchange and the profile it is judged by. It yields a
:class:`Violation` for each way the exchange breaks its requirement (none when it holds) and
raises :class:`~conformance._errors.NotApplicable` with a reason when it does not apply. The
runner calls every check whose kinds include the exchange's kind and collects all violations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from conformance._errors import ConfigError, NotApplicable
from conformance._exchange import Exchange, Kind
from conformance._profile import Profile
from conformance._requirements import Level, Requirement, requirement
from conformance._results import CheckResult, Failure


@dataclass(frozen=True, slots=True)
class Violation:
    """What a check yields: a path, what it expected there, what it got, and a sentence."""

    path: str
    expected: str
    actual: Any
    message: str


CheckFunction = Callable[[Exchange, Profile], Iterable[Violation]]


@dataclass(frozen=True)
class Check:
    """A registered check: a stable ID, the requirement it verifies and where it applies."""

    id: str
    requirement: Requirement
    kinds: frozenset[Kind]
    function: CheckFunction
    judges_invalid_requests: bool = False  # see run_checks
    # The features (conformance._profile.FEATURES) whose answers it judges: when a request for
    # one of them is refused, the check has nothing to judge in that exchange.
    features: frozenset[str] = frozenset()

    @cached_property
    def passed(self) -> CheckResult:
        """The verdict when the check passes: immutable, so built once and shared."""
        return CheckResult(self.id, self.requirement.id, self.requirement.level, "passed")

    @property
    def level(self) -> Level:
        return self.requirement.level

    @property
    def summary(self) -> str:
        """The first line of the check's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0]


REGISTRY: dict[str, Check] = {}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request for a feature refused cleanly, and what that says (the runner words it: a
    refusal means "not offered" only when the same run's plain request was accepted)."""

    feature: str
    reason: str


def check(
    check_id: str,
    *,
    requirement_id: str,
    kinds: Iterable[Kind],
    judges_invalid_requests: bool = False,
    features: Iterable[str] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under a stable dotted ID; registering an ID twice is an error.

    ``judges_invalid_requests``: the check also judges the answer to a request that breaks the
    request contract (see :func:`run_checks`). ``features``: the features whose answers it
    judges (see :class:`Refusal`).
    """

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise ConfigError(f"check {check_id!r} is registered twice")
        if not (function.__doc__ or "").strip():
            raise ConfigError(f"check {check_id!r} has no docstring")
        REGISTRY[check_id] = Check(
            check_id,
            requirement(requirement_id),
            frozenset(kinds),
            function,
            judges_invalid_requests,
            frozenset(features),
        )
        return function

    return register


_OUTSIDE = "the request breaks the contract: errors.invalid_request judges its answer"

_BY_KIND: dict[tuple[Kind, int], tuple[Check, ...]] = {}


def _for_kind(kind: Kind) -> tuple[Check, ...]:
    """The registered checks that apply to ``kind``, computed once per registry size."""
    key = (kind, len(REGISTRY))
    if key not in _BY_KIND:
        _BY_KIND[key] = tuple(c for c in REGISTRY.values() if kind in c.kinds)
    return _BY_KIND[key]


def run_checks(
    exchange: Exchange,
    profile: Profile,
    checks: Iterable[Check] | None = None,
    *,
    refusal: Refusal | None = None,
) -> list[CheckResult]:
    """Apply every check that fits the exchange's kind; collect every violation of every check.

    A request that breaks the request contract (``n: 0``, ``max_tokens: -1``) has no defined
    answer: that it got one is the finding (``errors.invalid_request``), and judging the answer
    against the request (0 choices? at most -1 tokens?) would report its consequences as
    further, false, findings. So only the checks that judge invalid requests see such an answer;
    an error answer to it is judged as every error is.

    ``refusal``: the exchange answers a request for a feature, and refused it cleanly. The
    error answer is judged as every error is (its envelope, its media type), and each check of
    that feature is skipped with the refusal's reason: it had nothing to judge.
    """
    kind = exchange.kind
    outside = (
        kind != "error"
        and exchange.request is not None
        and not profile.request.is_valid(exchange.request)
    )
    results = []
    for item in _for_kind(kind) if checks is None else checks:
        if kind not in item.kinds:
            continue
        requirement = item.requirement
        if outside and not item.judges_invalid_requests:
            results.append(
                CheckResult(item.id, requirement.id, requirement.level, "skipped", (), _OUTSIDE)
            )
            continue
        try:
            violations = list(item.function(exchange, profile))
        except NotApplicable as skip:
            results.append(
                CheckResult(item.id, requirement.id, requirement.level, "skipped", (), skip.reason)
            )
            continue
        except Exception as bug:  # a bug of ours must not hide the other checks' verdicts
            reason = f"{type(bug).__name__}: {bug}"
            results.append(
                CheckResult(item.id, requirement.id, requirement.level, "error", (), reason)
            )
            continue
        if not violations:
            results.append(item.passed)
            continue
        failures = tuple(
            Failure(
                check=item.id, path=v.path, expected=v.expected, actual=v.actual, message=v.message
            )
            for v in violations
        )
        results.append(CheckResult(item.id, requirement.id, requirement.level, "failed", failures))
    if refusal is not None and kind == "error":
        judged = {result.check for result in results}
        for item in REGISTRY.values() if checks is None else checks:
            if refusal.feature in item.features and item.id not in judged:
                requirement = item.requirement
                results.append(
                    CheckResult(
                        item.id, requirement.id, requirement.level, "skipped", (), refusal.reason
                    )
                )
    return results
