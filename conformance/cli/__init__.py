"""The command line: ``conformance run``, ``validate``, ``serve``, ``checks`` and the rest."""

from __future__ import annotations

from conformance.cli._main import main

__all__ = ["main"]
