"""Reading YAML: with libyaml's C parser where PyYAML was built with it.

The profiles, the requirement catalogue and recorded fixtures are YAML. PyYAML's pure-Python
``safe_load`` takes about ten times as long as its C ``CSafeLoader``, which accepts the same
safe subset (https://pyyaml.org/wiki/PyYAMLDocumentation, "the C-based parser"); a build
without libyaml falls back to the pure-Python loader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from yaml import YAMLError

from conformance.base._errors import ConfigError

__all__ = ["YAMLError", "load_yaml", "read_data_file"]

#: Either loader constructs only plain Python values (no arbitrary objects).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in ``text``, read as ``yaml.safe_load`` reads it."""
    return yaml.load(text, Loader=_LOADER)


def read_data_file(path: Path) -> Any:
    """A user's data file: JSON when it ends in ``.json``, YAML otherwise. A file that cannot be
    read or parsed is a ConfigError naming the file and what is wrong."""
    kind = "JSON" if path.suffix == ".json" else "YAML"
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if kind == "JSON" else load_yaml(text)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, YAMLError) as error:
        raise ConfigError(f"{path}: not valid {kind}: {error}") from None
