"""The servers of the interop session and how to start each on 127.0.0.1, offline.

- ``reference``: the suite's own reference router (``conformance serve``), compliant; the
  upstream of LiteLLM's routed model, and a control target.
- ``litellm``: the LiteLLM proxy from PyPI (its own venv, pinned by ``litellm-requirements.txt``),
  configured by ``litellm.yaml``: a ``mock_response`` model and one routed to ``reference``.
- ``aimock``: ``@copilotkit/aimock`` from npm (pinned by ``aimock/package-lock.json``), answering
  from the fixture files in ``aimock/fixtures``.
- ``llamacpp``: llama-cpp-python's OpenAI-compatible server from PyPI (its own venv, pinned by
  ``llamacpp-requirements.txt``), a real inference engine on the CPU, serving a tiny Llama with
  random weights that ``llamacpp/tiny_gguf.py`` writes at the start (no hub, no download).
"""

from __future__ import annotations

import subprocess
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
# The key llama-cpp-python's server wants (its API_KEY setting; a test key, loopback only).
LLAMACPP_KEY: Final = "interop-llamacpp-key"
LLAMACPP_MODEL: Final = "tiny-llama"  # the alias it serves the model under
KEYS: Final = {"litellm": LITELLM_KEY, "llamacpp": LLAMACPP_KEY}  # the others take none


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


def tiny_model(python: Path, folder: Path) -> Path:
    """Write the tiny random GGUF model with the llama venv's Python; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{LLAMACPP_MODEL}.gguf"
    subprocess.run([str(python), str(HERE / "llamacpp" / "tiny_gguf.py"), str(model)], check=True)
    return model


def llamacpp(python: Path, port: int, model: Path) -> Server:
    """llama-cpp-python's server as its docs show it for tool calling with a ChatML model.

    ``chatml-function-calling`` is its generic chat format with tools and tool_choice
    (https://llama-cpp-python.readthedocs.io/en/latest/server/#function-calling).
    ``--interrupt_requests False``: by default a request that arrives while a stream is being
    sent ends that stream early, so that which streams the suite's 4 concurrent requests cut short
    would depend on timing; off, the requests wait their turn for the one model.
    """
    command = [
        *(str(python), "-m", "llama_cpp.server", "--model", str(model)),
        *("--model_alias", LLAMACPP_MODEL, "--chat_format", "chatml-function-calling"),
        *("--interrupt_requests", "False", "--n_ctx", "2048", "--n_threads", "2"),
        *("--host", "127.0.0.1", "--port", str(port)),
    ]
    return Server(
        "llamacpp",
        command,
        f"{base_url(port)}/models",
        env={"API_KEY": LLAMACPP_KEY, "NO_PROXY": "127.0.0.1,localhost"},
        ready_headers={"Authorization": f"Bearer {LLAMACPP_KEY}"},
        startup_s=60,
    )
