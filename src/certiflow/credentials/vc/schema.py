"""The 1EdTech Open Badges 3.0 AchievementCredential JSON Schema (bundled copy, draft 2019-09).

Invariant: :func:`schema_errors` returns ``[]`` exactly when the credential is valid against the bundled
schema, formats included: ``date`` and ``date-time`` are checked (jsonschema checks ``date-time`` only
with an extra package, so it is checked here with the standard library).
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from importlib import resources

from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from certiflow.credentials.vc.jsonld import format_path

SCHEMA_FILE = "achievementcredential.schema.json"

# RFC 3339 §5.6 date-time (ASCII digits only); the leap second :60 is left to fromisoformat, which
# refuses it, as does the rest of the product.
_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def schema_errors(credential: object) -> list[str]:
    """Readable schema errors of ``credential`` (``"at credentialSubject.achievement.criteria: 'narrative'
    is a required property"``), sorted by path; ``[]`` when it is valid."""
    messages = {
        f"at {format_path(list(error.absolute_path))}: {_message(error)}"
        for error in _validator().iter_errors(credential)
    }
    return sorted(messages)


@functools.cache
def _validator() -> Draft201909Validator:
    text = resources.files(__package__).joinpath("data", SCHEMA_FILE).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft201909Validator.check_schema(schema)
    formats = FormatChecker()
    formats.checks("date-time")(_is_date_time)
    return Draft201909Validator(schema, format_checker=formats)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only; "type" says what else is wrong
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


def _message(error: ValidationError) -> str:
    if error.validator == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"is {_JSON_TYPES.get(type(error.instance), 'null')}, not of type {wanted}"
    if (
        error.validator == "contains"
        and isinstance(error.validator_value, dict)
        and "enum" in error.validator_value
    ):
        return "must contain " + " or ".join(repr(item) for item in error.validator_value["enum"])
    if error.context:
        # anyOf / oneOf: the alternative that came closest says more than "is not valid under any".
        closest = best_match(error.context)
        if closest is not None:
            where = format_path(list(closest.relative_path))
            return f"{_message(closest)}" + (
                f" (at {where} in the closest alternative)" if closest.relative_path else ""
            )
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."
