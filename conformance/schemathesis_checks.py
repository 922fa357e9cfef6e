"""The suite's checks as schemathesis checks: ``st run`` judges chat-completions semantics
(streams and their terminator, usage arithmetic, tool calls, finish reasons, error envelopes)
on top of its own schema checks.

Load this module through schemathesis's hooks, on a document ``conformance openapi`` wrote
(schemathesis 4: https://schemathesis.readthedocs.io/en/stable/guides/extending/)::

    pip install 'chat-conformance[schemathesis]'
    conformance openapi --model MODEL --base-url http://127.0.0.1:8000/v1 --output openapi.json
    SCHEMATHESIS_HOOKS=conformance.schemathesis_checks st run openapi.json \
        --url http://127.0.0.1:8000 -H "Authorization: Bearer $KEY" \
        --exclude-checks positive_data_acceptance

(``--url`` is the document's server; ``positive_data_acceptance`` is left out because the schema
cannot state that a ``tool_choice`` must name an offered tool: the README says more.)

Each check of the suite's registry becomes a schemathesis check of the same name
(``usage.arithmetic``, ``stream.terminator``, …), so ``--checks`` and ``--exclude-checks``
select them like schemathesis's own. Every answer to ``POST …/chat/completions`` becomes an
:class:`~conformance.exchange.Exchange` (the body sent, the status, headers and body that came
back, the event stream parsed by the suite's strict parser) and is judged once by
:func:`~conformance.checks.run_checks` under the profile named by ``CONFORMANCE_PROFILE``
(a shipped profile's id or a YAML path; default ``openai-compatible``). A check fails in
schemathesis when it finds a MUST violation; its message names the check, the level, the
requirement and, for each violation, the path, what was expected and what came back. SHOULD and
MAY findings are left to ``conformance run``, whose report gives them their level.

What is not judged, so that nothing is reported on a guess: answers to other operations, and
answers schemathesis kept only in part (an event stream cut at its ``max-stream-events``, 20 by
default: raise it in ``schemathesis.toml`` to judge long streams whole).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

import schemathesis

from conformance.checks import REGISTRY, CheckResult, run_checks
from conformance.contract import DEFAULT_PROFILE, Profile, load_profile
from conformance.exchange import Exchange

__all__ = ["PROFILE_ENV", "judge", "profile"]

#: The environment variable naming the profile answers are judged under.
PROFILE_ENV: Final = "CONFORMANCE_PROFILE"
#: The operation judged: the suite's checks mean nothing for any other.
_ENDPOINT: Final = "/chat/completions"

Case = schemathesis.Case[Any]
SchemathesisCheck = Callable[[schemathesis.CheckContext, schemathesis.Response, Case], None]


def profile() -> Profile:
    """The profile named by :data:`PROFILE_ENV`, or the base contract."""
    return load_profile(os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE)


def judge(response: schemathesis.Response, case: Case) -> tuple[CheckResult, ...]:
    """Every check's verdict on one schemathesis answer; none for an answer that is not one to
    ``POST …/chat/completions`` or that schemathesis kept only in part."""
    operation = case.operation
    if operation.method.upper() != "POST" or not operation.path.endswith(_ENDPOINT):
        return ()
    if response.stream_cut_short or response.content_size > len(response.content):
        return ()
    exchange = Exchange.from_http(
        request=_sent(response, case),
        status=response.status_code,
        headers={name: ", ".join(values) for name, values in response.headers.items()},
        body=response.content,
        label=operation.label,
        elapsed_s=response.elapsed,
    )
    return tuple(run_checks(exchange, profile()))


def _sent(response: schemathesis.Response, case: Case) -> Mapping[str, Any] | None:
    """The JSON object the server received: the bytes sent, or the case's body when the
    prepared request does not hold them."""
    raw = response.request.body
    if raw is None:
        body = case.body
    elif not isinstance(raw, bytes | str):
        return None  # a streamed upload: not a JSON request of this operation
    else:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
    return body if isinstance(body, dict) else None


class _LastJudged(threading.local):
    """The verdicts on the last answer of this thread: schemathesis calls each registered check
    in turn on one answer, and the answer is judged once."""

    response: schemathesis.Response | None = None
    results: tuple[CheckResult, ...] = ()


_LAST: Final = _LastJudged()


def _verdicts(response: schemathesis.Response, case: Case) -> tuple[CheckResult, ...]:
    if _LAST.response is not response:
        _LAST.results = judge(response, case)
        _LAST.response = response
    return _LAST.results


def _message(result: CheckResult) -> str:
    lines = [f"{result.check} ({result.level}, {result.requirement})"]
    for violation in result.failures:
        lines.append(f"- {violation.message}")
        lines.append(f"  {violation.detail}")
    return "\n".join(lines)


def _bridge(check_id: str) -> SchemathesisCheck:
    def bridged(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> None:
        for result in _verdicts(response, case):
            if result.check == check_id and result.status == "failed" and result.level == "MUST":
                raise AssertionError(_message(result))

    bridged.__name__ = bridged.__qualname__ = check_id
    bridged.__doc__ = REGISTRY[check_id].summary
    return bridged


for _check_id in REGISTRY:
    schemathesis.check(_bridge(_check_id))
