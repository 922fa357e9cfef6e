"""A schema violation in words: where, what the failing keyword wanted, and what was there,
from either engine's error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import jsonschema_rs
from jsonschema.exceptions import ValidationError

from conformance.base import jpath
from conformance.contract._schema_error import SchemaError

_REPR_LIMIT: Final = 80


def explain(error: ValidationError) -> SchemaError:
    keyword = str(error.validator)
    return SchemaError(
        path=jpath(*error.absolute_path),
        schema_path="/".join(str(part) for part in error.absolute_schema_path),
        keyword=keyword,
        message=str(error.message),
        expected=_expected(keyword, error.validator_value, error.instance, str(error.message)),
        actual=error.instance,
    )


def explain_rs(error: jsonschema_rs.ValidationError) -> SchemaError:
    schema_path = [str(part) for part in error.schema_path]
    keyword = schema_path[-1] if schema_path else "$ref"
    return SchemaError(
        path=jpath(*error.instance_path),
        schema_path="/".join(schema_path),
        keyword=keyword,
        message=error.message,
        expected=keyword,
        actual=error.instance,
    )


def sort_key(parts: Iterable[int | str]) -> tuple[tuple[int, int | str], ...]:
    """Order paths element by element, array indices numerically (``[2]`` before ``[10]``)."""
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 1] + "…"


def _expected(keyword: str, value: Any, instance: Any, message: str) -> str:
    """A short statement of what the failing ``keyword`` (with ``value``) wanted."""
    match keyword:
        case "required":
            present = instance if isinstance(instance, dict) else {}
            missing = [name for name in _names(value) if name not in present]
            for name in missing:
                if message.startswith(repr(name)):
                    return f"property {name!r}"
            return ", ".join(f"property {name!r}" for name in missing) or "required properties"
        case "type":
            kinds = [value] if isinstance(value, str) else list(value)
            return "type " + " or ".join(str(kind) for kind in kinds)
        case "const":
            return f"exactly {_short(value)}"
        case "enum":
            return f"one of {_short(list(value))}"
        case "minimum":
            return f"a number ≥ {value}"
        case "maximum":
            return f"a number ≤ {value}"
        case "exclusiveMinimum":
            return f"a number > {value}"
        case "exclusiveMaximum":
            return f"a number < {value}"
        case "multipleOf":
            return f"a multiple of {value}"
        case "minLength":
            return f"at least {value} character{'s' * (value != 1)}"
        case "maxLength":
            return f"at most {value} character{'s' * (value != 1)}"
        case "minItems":
            return f"at least {value} item{'s' * (value != 1)}"
        case "maxItems":
            return f"at most {value} item{'s' * (value != 1)}"
        case "minProperties":
            return f"at least {value} propert{'ies' if value != 1 else 'y'}"
        case "maxProperties":
            return f"at most {value} propert{'ies' if value != 1 else 'y'}"
        case "pattern":
            return f"a string matching {value!r}"
        case "anyOf":
            return f"one of {len(value)} alternatives"
        case "oneOf":
            return f"exactly one of {len(value)} alternatives"
        case "not":
            return f"not {_short(value)}"
        case "additionalProperties" | "unevaluatedProperties":
            return "no additional properties"
        case "contains":
            return f"an item matching {_short(value)}"
        case "uniqueItems":
            return "unique items"
        case "false":
            return "nothing (false schema)"
        case _:
            return f"{keyword} {_short(value)}"


def _names(value: Any) -> Sequence[str]:
    if isinstance(value, list):
        return [name for name in value if isinstance(name, str)]
    return []
