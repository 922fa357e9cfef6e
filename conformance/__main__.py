"""``python -m conformance``: the same command as ``conformance``."""

from __future__ import annotations

from conformance.cli import main

main()
