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

import yaml
from interop.servers import Server

HERE: Final = Path(__file__).parent
_LITELLM_CONFIG: Final = HERE / "litellm.yaml"
# The key a caller of the proxy sends: litellm.yaml's master key (a test key, loopback only).
LITELLM_KEY: Final[str] = yaml.safe_load(_LITELLM_CONFIG.read_text(encoding="utf-8"))[
    "general_settings"
]["master_key"]
KEYS: Final = {"litellm": LITELLM_KEY}  # servers that want a key; the others take none


def _env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    return env


LITELLM_OFFLINE: Final = _env_file(HERE / "litellm.env")  # why each variable: see the file


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1"


def reference(conformance: Path, port: int) -> Server:
    command = [str(conformance), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server("reference", command, f"{base_url(port)}/models", startup_s=60)


def litellm(executable: Path, port: int, upstream: str) -> Server:
    command = [
        str(executable),
        "--config",
        str(_LITELLM_CONFIG),
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
