"""The pytest plugin: judge a chat-completions endpoint from another project's own tests.

pytest loads it wherever the package is installed (entry point ``pytest11``, name
``conformance``; ``-p no:conformance`` turns it off). It only adapts pytest to the package:
loading it costs what ``import conformance`` costs (almost nothing: the package loads its names
on first use), and the reference router, the client and httpx load inside the fixtures that
need them. The suite's own scenarios and generated requests are tests to import from
:mod:`conformance.pytest_suite`; :func:`pytest_generate_tests` gives each its id.

Fixtures:

- ``conformance_target`` (session): the :class:`Target` judged. A URL (``--conformance-url``);
  an ASGI app called in process, with no socket (``--conformance-app module:attr``, or your own
  ``conformance_app`` fixture returning the app), served at the path its profile documents; or,
  when none is given, an embedded reference router on 127.0.0.1 (no network, no key);
- ``conformance_profile``: the :class:`conformance.Profile` this test is judged against;
- ``conformance_client``: a :class:`conformance.live.Client` for the target, one per target
  for the session, sharing the session's request budget (:func:`client_for` builds one);
- ``conformance_model``: the model to ask for; ``conformance_seed`` (session): the seed, the
  same in every pytest-xdist worker;
- ``assert_conformant(answer, request=None, *, checks=None, strict=None)``: judges an
  ``httpx.Response``, the raw bytes of an event stream, or a :class:`conformance.Exchange`
  with :func:`conformance.run_checks`, and fails listing every finding: check, level, JSON
  path, expected, got. A MUST violation fails the test. A SHOULD finding fails it only when
  strict (``strict=True``, ``--conformance-strict`` or ini ``conformance_strict``), and is
  otherwise recorded in the test's ``user_properties`` (JUnit XML shows them): a SHOULD is a
  recommendation, or what only OpenAI's platform does, which a compatible server may not
  follow. MAY never fails. A check
  that broke (``error``) fails, and so does an answer no selected check could judge.

Marker: ``@pytest.mark.conformance(checks=[...], profile="...", skip="reason")`` picks the
checks (ids, or groups such as ``"stream"``) or the profile of a test, or skips it.

Precedence of a setting, highest first:

1. the marker (``checks``, ``profile``; ``assert_conformant``'s own arguments come first);
2. the command line, then the ini file (``conformance_url``, ``conformance_profile``, ...);
3. the fixtures: ``conformance_settings`` returning a :class:`Settings`, ``conformance_app``;
4. the default.

The key is never a setting: ``--conformance-api-key-env`` names the variable that holds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, Protocol
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    import httpx

    from conformance.checks import Check, CheckResult
    from conformance.contract import Profile
    from conformance.exchange import Exchange
    from conformance.live import Budget, Client, Spend

#: The settings taken from the command line and the ini file: metavar and help.
_OPTIONS: Final = {
    "url": (
        "URL",
        "base URL of the target, before /chat/completions (default: an embedded router)",
    ),
    "app": ("MODULE:ATTR", "an ASGI app, called in process without a socket"),
    "profile": ("ID|PATH", "profile id or YAML path (default: the generic OpenAI-compatible one)"),
    "model": ("MODEL", "model id (default: the first that GET …/models lists)"),
    "api_key_env": ("VAR", "NAME of the environment variable holding the API key"),
    "seed": ("N", "seed that reproduces the session (default: a random one, printed)"),
    "max_requests": ("N", "request budget of the session (per xdist worker; default 250)"),
}
#: The session's request budget when none is given: room for the suite's own tests (every
#: scenario, the second turns of the two-turn ones, 25 generated requests of each kind) beside a
#: project's own.
SESSION_REQUESTS: Final = 250
_SEED: Final = pytest.StashKey[int]()
_STATE: Final = pytest.StashKey["_Session"]()
_WORKER_SEED: Final = "conformance_seed"


@dataclass(frozen=True)
class Settings:
    """What a ``conformance_settings`` fixture may set; the command line and ini file win."""

    url: str | None = None
    profile: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    max_requests: int | None = None


@dataclass(frozen=True)
class Target:
    """What is judged: where to send (with ``transport``, in process), as which profile."""

    kind: Literal["embedded", "url", "app"]
    base_url: str
    profile: Profile
    model: str | None = None
    api_key_env: str | None = None
    transport: httpx.BaseTransport | None = dataclasses.field(default=None, compare=False)

    def __str__(self) -> str:
        where = {"embedded": "embedded reference router", "app": "ASGI app in process"}
        key = f", key from ${self.api_key_env}" if self.api_key_env else ""
        return f"{where.get(self.kind, self.base_url)}, profile {self.profile.id}{key}"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "chat-completions conformance (chat-conformance)")
    for name, (metavar, text) in _OPTIONS.items():
        flag = "--conformance-" + name.replace("_", "-")
        group.addoption(flag, dest=f"conformance_{name}", metavar=metavar, default=None, help=text)
        parser.addini(f"conformance_{name}", text)
    group.addoption(
        "--conformance-strict",
        action="store_true",
        default=None,
        help="SHOULD findings fail a test too (by default only MUST violations do)",
    )
    parser.addini("conformance_strict", "SHOULD findings fail a test too", type="bool")


def _option(config: pytest.Config, name: str) -> str | None:
    """A setting from the command line, else the ini file, else None."""
    given = config.getoption(f"conformance_{name}")
    if given is None:
        given = config.getini(f"conformance_{name}") or None
    return None if given is None else str(given)


def _given_target(config: pytest.Config) -> tuple[str | None, str | None]:
    """The URL or the app spec of the target: the command line's, else the ini file's."""
    for read, where in ((config.getoption, "the command line"), (config.getini, "the ini file")):
        url, app = (read(f"conformance_{name}") or None for name in ("url", "app"))
        if url and app:
            raise pytest.UsageError(f"conformance: {where} gives a URL and an app; give one")
        if url or app:
            return None if url is None else _url(str(url)), app and str(app)
    return None, None


def _url(value: str) -> str:
    """An http(s) URL; one carrying credentials is refused (the header would print them), and
    the message does not repeat it."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise pytest.UsageError(f"--conformance-url {value!r}: give an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise pytest.UsageError(
            "--conformance-url carries credentials before its host; name the variable holding "
            "the key with --conformance-api-key-env instead"
        )
    return value


def _integer(given: str, name: str = "max_requests") -> int:
    try:
        return int(given)
    except ValueError:
        flag = "--conformance-" + name.replace("_", "-")
        raise pytest.UsageError(
            f"{flag} (or conformance_{name}): {given!r} is no integer"
        ) from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "conformance(checks=None, profile=None, skip=None): the checks and profile a test is "
        "judged with, or a reason to skip it (chat-conformance)",
    )
    worker = getattr(config, "workerinput", {})
    seed = worker.get(_WORKER_SEED)
    if seed is None and (given := _option(config, "seed")) is not None:
        seed = _integer(given, "seed")
    config.stash[_SEED] = random.SystemRandom().randrange(2**32) if seed is None else int(seed)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker takes the controller's seed."""
    node.workerinput[_WORKER_SEED] = node.config.stash[_SEED]


def pytest_report_header(config: pytest.Config) -> list[str]:
    url, app = _given_target(config)
    profile, seed = _option(config, "profile"), _option(config, "seed")
    if not (url or app or profile or seed):
        return []
    target = url or (f"app {app}" if app else "embedded router")
    return [
        f"conformance: target {target}, profile {profile or 'default'}, "
        f"seed {config.stash[_SEED]} (--conformance-seed reproduces it)"
    ]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """When a conformance fixture was used: what to give to reproduce the session."""
    state = config.stash.get(_STATE, None)
    if state is not None and state.target is not None:
        seed = config.stash[_SEED]
        terminalreporter.write_line(f"conformance: {state.target}, seed {seed}")


def _marker(node: pytest.Item | pytest.Collector) -> dict[str, Any]:
    marker = node.get_closest_marker("conformance")
    if marker is None:
        return {}
    unknown = set(marker.kwargs) - {"checks", "profile", "skip"}
    if marker.args or unknown:
        raise pytest.UsageError(
            f"{node.nodeid}: @pytest.mark.conformance takes checks=, profile= and skip= only"
        )
    return dict(marker.kwargs)


class Generation(NamedTuple):
    """One kind of generated request: its test id, valid or not, streamed or not (None: either)."""

    id: str
    valid: bool
    stream: bool | None


GENERATIONS: Final = (
    Generation("generated.valid", True, False),
    Generation("generated.valid.stream", True, True),
    Generation("generated.invalid", False, None),
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the suite's own tests (:mod:`conformance.pytest_suite`): one test per
    scenario and per kind of generated request, each with its name as the id."""
    if "conformance_scenario" in metafunc.fixturenames:
        from conformance.live import SCENARIOS

        names = [scenario.name for scenario in SCENARIOS]
        metafunc.parametrize("conformance_scenario", SCENARIOS, ids=names)
    if "conformance_generation" in metafunc.fixturenames:
        kinds = [kind.id for kind in GENERATIONS]
        metafunc.parametrize("conformance_generation", GENERATIONS, ids=kinds)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        reason = _marker(item).get("skip")
        if reason:
            item.add_marker(pytest.mark.skip(reason=str(reason)))


class _Session:
    """The session's target, embedded routers and clients; closed when the session ends."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        from conformance.live import Spend

        self.config, self.settings = config, settings
        self.stack = contextlib.ExitStack()
        self.spend: Spend = Spend()
        self.target: Target | None = None
        self._routers: dict[str, str] = {}
        self._clients: dict[tuple[str, int], Client] = {}

    def setting(self, name: str) -> str | None:
        given = _option(self.config, name)
        fallback = getattr(self.settings, name, None)
        return given if given is not None else None if fallback is None else str(fallback)

    def embedded(self, profile: Profile) -> str:
        """The base URL of a compliant reference router emulating ``profile``."""
        from conformance.reference import serve_in_thread

        key = str(profile.path)
        if key not in self._routers:
            self._routers[key] = self.stack.enter_context(serve_in_thread(profile=key))
        return self._routers[key]

    def judged_as(self, target: Target, profile: Profile) -> Target:
        """The target as a test judged under ``profile`` sees it: the embedded router emulates
        the profile it is judged against; any other target stays what it is."""
        if profile == target.profile:
            return target
        if target.kind == "embedded":
            url = self.embedded(profile)
            return dataclasses.replace(target, base_url=url, profile=profile)
        return dataclasses.replace(target, profile=profile)

    def client(self, target: Target) -> Client:
        from conformance.live import Budget

        key = (target.base_url, id(target.transport))
        if key not in self._clients:
            given = self.setting("max_requests")
            requests = SESSION_REQUESTS if given is None else _integer(given)
            budget = Budget(max_requests=requests)
            client = client_for(target, budget=budget, spend=self.spend)
            self._clients[key] = self.stack.enter_context(contextlib.closing(client))
        return self._clients[key]


def client_for(
    target: Target, *, budget: Budget | None = None, spend: Spend | None = None
) -> Client:
    """A live client for ``target`` (the caller closes it), with the key ``target.api_key_env``
    names; ``spend`` shares a request budget between clients."""
    from conformance.live import Budget, Client

    key = None
    if target.api_key_env is not None:
        key = os.environ.get(target.api_key_env)
        if not key:
            pytest.fail(f"conformance: ${target.api_key_env} is not set", pytrace=False)
    return Client(
        target.base_url,
        api_key=key,
        budget=budget or Budget(),
        spend=spend,
        transport=target.transport,
    )


def _app(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise pytest.UsageError(f"--conformance-app {spec!r}: give module:attr")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as error:
        raise pytest.UsageError(f"--conformance-app {spec!r}: {error}") from None


@pytest.fixture(scope="session")
def conformance_settings() -> Settings:
    """Override in a conftest to set the target, profile, model, key variable or budget."""
    return Settings()


@pytest.fixture(scope="session")
def conformance_app() -> Any:
    """Override in a conftest to return an ASGI app: it is judged in process, no socket."""
    return None


@pytest.fixture(scope="session")
def conformance_seed(pytestconfig: pytest.Config) -> int:
    """The session's seed: the same in every xdist worker, printed to reproduce the session."""
    return pytestconfig.stash[_SEED]


@pytest.fixture(scope="session")
def _conformance_session(
    pytestconfig: pytest.Config, conformance_settings: Settings
) -> Iterator[_Session]:
    state = _Session(pytestconfig, conformance_settings)
    pytestconfig.stash[_STATE] = state
    with state.stack:
        yield state


@pytest.fixture(scope="session")
def conformance_target(request: pytest.FixtureRequest, _conformance_session: _Session) -> Target:
    """What the session judges: a URL, an ASGI app in process, or an embedded router."""
    from conformance.contract import DEFAULT_PROFILE, load_profile

    state = _conformance_session
    profile = load_profile(state.setting("profile") or DEFAULT_PROFILE)
    url, spec = _given_target(request.config)
    app = _app(spec) if spec else None
    if not url and not spec:
        url, app = state.settings.url, request.getfixturevalue("conformance_app")
        if url and app is not None:
            raise pytest.UsageError("conformance_settings.url and conformance_app: give one")
    model, key_env = state.setting("model"), state.setting("api_key_env")
    if url:
        target = Target("url", url.rstrip("/"), profile, model, key_env)
    elif app is not None:
        from conformance.live import ASGIPortalTransport

        transport = state.stack.enter_context(contextlib.closing(ASGIPortalTransport(app)))
        base_url = f"http://testserver{profile.prefix}"
        target = Target("app", base_url, profile, model, key_env, transport)
    else:
        from conformance.reference import MODEL_ID

        url = state.embedded(profile)
        target = Target("embedded", url, profile, model or MODEL_ID, key_env)
    state.target = target
    return target


@pytest.fixture
def conformance_profile(request: pytest.FixtureRequest, conformance_target: Target) -> Profile:
    """The profile this test is judged against: the marker's, else the session's."""
    from conformance.contract import load_profile

    chosen = _marker(request.node).get("profile")
    return conformance_target.profile if chosen is None else load_profile(str(chosen))


@pytest.fixture
def conformance_client(
    _conformance_session: _Session, conformance_target: Target, conformance_profile: Profile
) -> Client:
    """A live client for the target; under a marker's profile, the embedded router emulates
    that profile."""
    target = _conformance_session.judged_as(conformance_target, conformance_profile)
    return _conformance_session.client(target)


@pytest.fixture
def conformance_model(conformance_target: Target, conformance_client: Client) -> str:
    """The model to ask for: the one given, else the first that ``GET …/models`` lists."""
    if conformance_target.model is not None:
        return conformance_target.model
    listed = conformance_client.models()
    if not listed:
        pytest.fail("conformance: GET …/models lists no model; give --conformance-model")
    return listed[0]


class AssertConformant(Protocol):
    """The type of the ``assert_conformant`` fixture."""

    def __call__(
        self,
        answer: httpx.Response | bytes | Exchange,
        request: Mapping[str, Any] | None = None,
        *,
        checks: Sequence[str] | None = None,
        strict: bool | None = None,
    ) -> list[CheckResult]: ...


@pytest.fixture
def assert_conformant(
    request: pytest.FixtureRequest, conformance_profile: Profile
) -> AssertConformant:
    """``assert_conformant(answer, request=None, *, checks=None, strict=None)``: fails with
    every violation of the profile; returns the results of the checks."""
    node = request.node
    picked = _marker(node).get("checks")
    strict_default = bool(
        request.config.getoption("conformance_strict")
        or request.config.getini("conformance_strict")
    )

    def judge(
        answer: httpx.Response | bytes | Exchange,
        request: Mapping[str, Any] | None = None,
        *,
        checks: Sequence[str] | None = None,
        strict: bool | None = None,
    ) -> list[CheckResult]:
        __tracebackhide__ = True
        from conformance.checks import run_checks

        exchange = _exchange(answer, request)
        selected = _checks(checks if checks is not None else picked)
        results = run_checks(exchange, conformance_profile, selected)
        fails = strict_default if strict is None else strict
        failing = [r for r in results if _fails(r, strict=fails)]
        for result in results:
            if result.status == "failed" and not _fails(result, strict=fails):
                text = "; ".join(v.detail for v in result.failures)
                node.user_properties.append((f"conformance {result.check}", text))
        if failing:
            raise AssertionError(_explain(failing, conformance_profile, len(results)))
        if not any(r.status in ("passed", "failed") for r in results):
            raise AssertionError(f"conformance: no check judged this {exchange.kind} answer")
        return results

    return judge


def _fails(result: CheckResult, *, strict: bool) -> bool:
    if result.status == "error":
        return True
    levels = ("MUST", "SHOULD") if strict else ("MUST",)
    return result.status == "failed" and result.level in levels


def _checks(names: Sequence[str] | str | None) -> list[Check] | None:
    """The registered checks ``names`` picks: check ids, or groups (``"stream"``)."""
    from conformance.base import ConfigError
    from conformance.checks import REGISTRY

    if names is None:
        return None
    try:
        return REGISTRY.select([names] if isinstance(names, str) else names)
    except ConfigError as error:
        pytest.fail(f"conformance: {error}", pytrace=False)


def _exchange(answer: object, request: Mapping[str, Any] | None) -> Exchange:
    import httpx

    from conformance.exchange import Exchange

    if isinstance(answer, Exchange):
        if request is None or answer.request is not None:
            return answer
        return dataclasses.replace(answer, request=request)
    if isinstance(answer, bytes | bytearray):
        sse = {"content-type": "text/event-stream"}
        return Exchange.from_http(request=request, status=200, headers=sse, body=bytes(answer))
    if isinstance(answer, httpx.Response):
        sent = request if request is not None else _sent(answer)
        return Exchange.from_http(
            request=sent, status=answer.status_code, headers=answer.headers, body=answer.read()
        )
    raise TypeError(
        f"assert_conformant judges an httpx.Response, bytes or an Exchange, not {type(answer)}"
    )


def _sent(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON body of the request behind ``response``, when it had one."""
    try:
        body = json.loads(response.request.content)
    except (RuntimeError, ValueError):  # no request, a streamed one, or not JSON
        return None
    return body if isinstance(body, dict) else None


def _explain(failing: list[CheckResult], profile: Profile, judged: int) -> str:
    found = sum(len(r.failures) or 1 for r in failing)
    lines = [f"not conformant to profile {profile.id}: {found} finding(s) of {judged} checks"]
    for result in failing:
        if result.status == "error":
            lines.append(f"  {result.check} [{result.level}] could not judge: {result.reason}")
        for violation in result.failures:
            lines.append(f"  {result.check} [{result.level}] {violation.message}")
            lines.append(f"      {violation.detail}")
    return "\n".join(lines)
