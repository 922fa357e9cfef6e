"""The servers of the interop session and how to start each on 127.0.0.1, offline.

- ``reference``: the suite's own reference router (``conformance serve``), compliant; the
  upstream of LiteLLM's routed model, and a control target.
- ``litellm``: the LiteLLM proxy from PyPI (its own venv, pinned by ``litellm-requirements.txt``),
  configured by ``litellm.yaml``: a ``mock_response`` model and one routed to ``reference``.
- ``aimock``: ``@copilotkit/aimock`` from npm (pinned by ``aimock/package-lock.json``), answering
  from the fixture files in ``aimock/fixtures``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from interop.servers import Server

HERE: Final = Path(__file__).parent
LITELLM_KEY: Final = "sk-interop-master"  # litellm.yaml's master_key; a test key, never real

# LiteLLM fetches a model cost map, beta headers, blog posts, policy templates and router
# presets at start unless told to read its bundled copies; the URLs point at a closed local
# port besides, so that nothing can leave the machine.
_CLOSED: Final = "http://127.0.0.1:9/"
LITELLM_OFFLINE: Final = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOCAL_BLOG_POSTS": "True",
    "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
    "LITELLM_MODEL_COST_MAP_URL": _CLOSED,
    "LITELLM_BLOG_POSTS_URL": _CLOSED,
    "LITELLM_ANTHROPIC_BETA_HEADERS_URL": _CLOSED,
    "LITELLM_AUTOROUTER_PRESETS_URL": _CLOSED,
    "HF_HUB_OFFLINE": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1"


def reference(conformance: Path, port: int) -> Server:
    command = [str(conformance), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server("reference", command, f"{base_url(port)}/models", startup_s=60)


def litellm(executable: Path, port: int, upstream: str) -> Server:
    command = [
        str(executable),
        "--config",
        str(HERE / "litellm.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**LITELLM_OFFLINE, "INTEROP_UPSTREAM": upstream}
    return Server("litellm", command, f"http://127.0.0.1:{port}/health/readiness", env=env)


def aimock(executable: Path, port: int) -> Server:
    command = [
        str(executable),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--validate-on-load",
        "--fixtures",
        str(HERE / "aimock" / "fixtures"),
    ]
    return Server("aimock", command, f"http://127.0.0.1:{port}/ready", startup_s=60)
