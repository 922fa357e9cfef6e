"""chat-conformance: a conformance suite for OpenAI-compatible chat-completions endpoints."""

from __future__ import annotations
