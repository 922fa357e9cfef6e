"""Requests that fuzzing found the contract allows, and that once drew a finding from the
compliant reference router: each is answered and judged end to end, with no finding.

Both were found by schemathesis's negative and positive modes over ``conformance openapi``'s
document (``st run --mode all``), with our checks registered as its checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from conformance import Exchange, load_profile, run_checks
from conformance.reference import MODEL_ID

PROFILE = "openai-compatible"
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]

CASES: dict[str, dict[str, Any]] = {
    # OpenAI's CustomToolChatCompletions.custom.name is a plain string (openapi.yaml@f85dbe2):
    # nothing forbids an empty name, so a call to that tool carries the empty name too.
    "custom tool with an empty name, forced": {
        "tools": [{"type": "custom", "custom": {"name": ""}}],
        "tool_choice": "required",
    },
    # An allowed_tools list that names none of the offered tools leaves nothing to call: no
    # call can be owed, whatever the mode says.
    "allowed_tools naming no offered tool": {
        "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
        "tool_choice": {
            "type": "allowed_tools",
            "allowed_tools": {"mode": "required", "tools": []},
        },
    },
}


@pytest.mark.parametrize("extra", CASES.values(), ids=list(CASES))
def test_the_compliant_router_answers_it_without_a_finding(
    extra: dict[str, Any], reference_url: Callable[[str], str]
) -> None:
    profile = load_profile(PROFILE)
    body = {"model": MODEL_ID, "messages": ASK, "max_completion_tokens": 16, **extra}
    assert profile.request.is_valid(body), profile.request.explain(body)
    answer = httpx.post(f"{reference_url(PROFILE)}/chat/completions", json=body, timeout=30)
    exchange = Exchange.from_http(
        request=body, status=answer.status_code, headers=answer.headers, body=answer.content
    )
    findings = {
        r.check: [v.detail for v in r.failures] or r.reason
        for r in run_checks(exchange, profile)
        if r.status in ("failed", "error")
    }
    assert findings == {}
