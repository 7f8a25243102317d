"""Check a request against the Cognito API model that botocore ships, as the service does.

Cognito rejects a request before running it when a required member is missing or a value breaks
its constraint (length, pattern, enum, range), with `InvalidParameterException` and a message of
the form "1 validation error detected: Value ... at 'clientId' failed to satisfy constraint: ...".
A value of the wrong JSON type is a `SerializationException`, as for every AWS JSON API, and so is
a number too large for the member's type (Python's integers have no bound; the service's have).
A sensitive value is never shown, nor is any value inside a sensitive map, list or structure
(AuthParameters, ChallengeResponses): "Value at 'authParameters.PASSWORD' failed ...".
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from botocore.model import OperationModel, Shape

from . import directory
from .errors import CognitoError, invalid_parameter

TARGET_PREFIX = "AWSCognitoIdentityProviderService."

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "timestamp": (int, float, str),
    "double": (int, float),
    "float": (int, float),
    "blob": (str,),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
}
# The Java types behind the model's "integer" and "long": a larger number cannot be read at all.
_BITS = {"integer": 32, "long": 64}


def operation_model(target: str | None) -> OperationModel:
    """The operation named by an `X-Amz-Target` header, or UnknownOperationException."""
    if not target or not target.startswith(TARGET_PREFIX):
        raise CognitoError("UnknownOperationException", "Missing or unknown X-Amz-Target header.")
    name = target[len(TARGET_PREFIX) :]
    model = directory.service_model()
    if name not in model.operation_names:
        raise CognitoError("UnknownOperationException", f"Unknown operation {name}.")
    return model.operation_model(name)


def validate(operation: OperationModel, params: Any) -> None:
    """Raise the error Cognito would give for `params`, or return if they are well formed."""
    if not isinstance(params, dict):
        raise CognitoError("SerializationException", "The request body must be a JSON object.")
    problems: list[str] = []
    _check(operation.input_shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise invalid_parameter(f"{count} validation {noun} detected: " + "; ".join(problems))


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _check(shape: Shape, value: Any, path: str, problems: list[str], hidden: bool = False) -> None:
    """Append the constraint `value` breaks to `problems`. `hidden`: inside a sensitive shape,
    so this value is not shown either."""
    hidden = hidden or bool(shape.metadata.get("sensitive"))
    expected = _JSON_TYPES.get(shape.type_name, (object,))
    is_bool_for_number = isinstance(value, bool) and shape.type_name in ("integer", "long")
    if not isinstance(value, expected) or is_bool_for_number:
        where = path or "the request"
        raise CognitoError(
            "SerializationException",
            f"Expected a {shape.type_name} at '{where}', got {type(value).__name__}.",
        )
    if shape.type_name == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                problems.append(
                    f"Value null at '{_join(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check(member, value[name], _join(path, name), problems, hidden)
    elif shape.type_name == "map":
        _check_size(shape, value, path, problems)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}", problems, hidden)
            _check(shape.value, item, f"{path}.{key}", problems, hidden)
    elif shape.type_name == "list":
        _check_size(shape, value, path, problems)
        for item in value:
            _check(shape.member, item, path, problems, hidden)
    elif shape.type_name == "string":
        _check_string(shape, value, path, problems, hidden)
    elif shape.type_name in _BITS:
        _check_number(shape, value, path, problems, hidden)


def _join(path: str, name: str) -> str:
    return f"{path}.{_camel(name)}" if path else _camel(name)


def _shown(value: Any, hidden: bool) -> str:
    return "Value" if hidden else f"Value '{value}'"


def _check_string(shape: Shape, value: str, path: str, problems: list[str], hidden: bool) -> None:
    meta = shape.metadata
    rule = _length_rule(meta, len(value))
    if rule is None and "pattern" in meta and not _full_match(meta["pattern"], value):
        rule = f"Member must satisfy regular expression pattern: {meta['pattern']}"
    elif rule is None and "enum" in meta and value not in meta["enum"]:
        rule = f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]"
    if rule:
        problems.append(f"{_shown(value, hidden)} at '{path}' failed to satisfy constraint: {rule}")


def _check_number(shape: Shape, value: int, path: str, problems: list[str], hidden: bool) -> None:
    """The model's range ("Value '1000' at 'authSessionValidity' failed to satisfy constraint:
    Member must have value less than or equal to 15"), after the type's own: a number beyond a
    Java int (or long) is not a number the service can read (*inferred*: the service's message
    for it is not published)."""
    bits = _BITS[shape.type_name]
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise CognitoError(
            "SerializationException", f"The number at '{path}' does not fit in {bits} bits."
        )
    meta = shape.metadata
    rule = None
    if "min" in meta and value < meta["min"]:
        rule = f"Member must have value greater than or equal to {meta['min']}"
    elif "max" in meta and value > meta["max"]:
        rule = f"Member must have value less than or equal to {meta['max']}"
    if rule:
        problems.append(f"{_shown(value, hidden)} at '{path}' failed to satisfy constraint: {rule}")


def _check_size(shape: Shape, value: list | dict, path: str, problems: list[str]) -> None:
    """A list's or map's number of entries. The service shows the collection in Java's notation;
    the sandbox names only where it is (*inferred*)."""
    rule = _length_rule(shape.metadata, len(value))
    if rule:
        problems.append(f"Value at '{path}' failed to satisfy constraint: {rule}")


def _length_rule(meta: dict[str, Any], length: int) -> str | None:
    if "min" in meta and length < meta["min"]:
        return f"Member must have length greater than or equal to {meta['min']}"
    if "max" in meta and length > meta["max"]:
        return f"Member must have length less than or equal to {meta['max']}"
    return None


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct; the service checks it, we let it pass
        return None


def _full_match(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.fullmatch(value) is not None
