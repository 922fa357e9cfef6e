"""Reading YAML: with libyaml's C parser where PyYAML was built with it.

The profiles, the requirement catalogue and recorded fixtures are YAML. PyYAML's pure-Python
``safe_load`` takes about ten times as long as its C ``CSafeLoader``, which accepts the same
safe subset (https://pyyaml.org/wiki/PyYAMLDocumentation, "the C-based parser"); a build
without libyaml falls back to the pure-Python loader.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml import YAMLError

__all__ = ["YAMLError", "load_yaml"]

#: Either loader constructs only plain Python values (no arbitrary objects).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The document in ``text``, read as ``yaml.safe_load`` reads it."""
    return yaml.load(text, Loader=_LOADER)
