"""Requests from the schemas: valid and invalid ones (hypothesis strategies compiled from the
request schema), coverage of every documented bound, and shrinking a failing request."""

from __future__ import annotations

from conformance.generate._coverage import CoveragePlan, InvalidCase, ValidCase, coverage_plan
from conformance.generate._generate import invalid_requests, valid_requests
from conformance.generate._mutations import InvalidRequest
from conformance.generate._shrink import Body, same_class, shrink

__all__ = [
    "Body",
    "CoveragePlan",
    "InvalidCase",
    "InvalidRequest",
    "ValidCase",
    "coverage_plan",
    "invalid_requests",
    "same_class",
    "shrink",
    "valid_requests",
]
