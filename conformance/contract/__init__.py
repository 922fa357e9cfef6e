"""The contract as data: JSON Schemas and their validators, profiles and their composition, the
cross-field rules JSON Schema cannot state, the requirement catalogue, the formats of the files
users give, and a profile's endpoint as an OpenAPI document."""

from __future__ import annotations

from conformance.contract._cross_field import OFFERED_TOOL, named_tools, offered_tools
from conformance.contract._formats import FIXTURE_FORMAT, REPORT_FORMAT, check_format
from conformance.contract._openapi import OPENAPI_VERSION, openapi_document
from conformance.contract._profile import (
    DEFAULT_PROFILE,
    FEATURES,
    ErrorCode,
    MidStreamError,
    Profile,
    load_profile,
    profile_names,
)
from conformance.contract._requirements import Level, Requirement, requirement, requirements
from conformance.contract._schema_error import SchemaError
from conformance.contract._schema_store import load_schema
from conformance.contract._schemas import SchemaValidator, validator

__all__ = [
    "DEFAULT_PROFILE",
    "FEATURES",
    "FIXTURE_FORMAT",
    "REPORT_FORMAT",
    "OFFERED_TOOL",
    "OPENAPI_VERSION",
    "ErrorCode",
    "Level",
    "MidStreamError",
    "Profile",
    "Requirement",
    "SchemaError",
    "SchemaValidator",
    "check_format",
    "load_profile",
    "load_schema",
    "named_tools",
    "offered_tools",
    "openapi_document",
    "profile_names",
    "requirement",
    "requirements",
    "validator",
]
