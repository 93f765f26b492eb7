"""Reading a node's TOML file with its environment overrides, strictly: an unknown key or a value of the wrong
type is a `ConfigError` naming the file (or the environment variable) and the key path.

An override is an environment variable `STELLWERK_<SECTION>__<KEY>`, e.g. `STELLWERK_HTTP__PORT=5000` or
`STELLWERK_PEERS__ALLOWED_SUBJECTS='["CN=cockpit,O=Stellwerk"]'`. Section and key are matched without case,
`_` in the key standing for `-`; in the `[agents]` table the key is the Agent's name, as written. A value for a
text key is taken as it is; any other value is read as a TOML value (`5000`, `true`, `["a", "b"]`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from msgspec import inspect

from stellwerk.config.schema import KNOWN_SECTIONS

ENVIRONMENT_PREFIX = "STELLWERK_"
FREE_KEY_SECTIONS = frozenset({"agents"})

Schema = TypeVar("Schema", bound=msgspec.Struct)

_ERROR_AT = re.compile(r"(?P<what>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(r"Object (?P<how>contains unknown|missing required) field `(?P<field>[^`]+)`")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file or environment variable and the key path."""


def read_node_file(path: Path, schema: type[Schema], environ: Mapping[str, str]) -> Schema:
    """The file at `path` with the overrides from `environ`, converted strictly to `schema`."""
    raw = read_toml(path)
    origins = apply_environment(raw, schema, environ)
    try:
        return msgspec.convert(raw, schema)
    except msgspec.ValidationError as error:
        raise ConfigError(explain(path, str(error), origins)) from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def apply_environment(
    raw: dict[str, Any], schema: type[msgspec.Struct], environ: Mapping[str, str]
) -> dict[str, str]:
    """Sets the overrides from `environ` in `raw`; returns the key paths set, each with its variable's name."""
    sections = {field.encode_name: field.type for field in _struct_fields(inspect.type_info(schema))}
    origins: dict[str, str] = {}
    for name, text in sorted(environ.items()):
        if not name.startswith(ENVIRONMENT_PREFIX) or "__" not in name:
            continue
        section_name, _, key_name = name.removeprefix(ENVIRONMENT_PREFIX).partition("__")
        section = section_name.lower()
        if section not in sections:
            if section in KNOWN_SECTIONS:
                continue  # a section of another kind of node
            raise ConfigError(f"environment variable {name}: there is no section [{section}]")
        key = key_name if section in FREE_KEY_SECTIONS else key_name.lower().replace("_", "-")
        value = _override_value(name, text, _key_type(name, section, key, sections[section]))
        table = raw.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = value
            origins[f"{section}.{key}"] = name
    return origins


def explain(path: Path, message: str, origins: Mapping[str, str]) -> str:
    """A msgspec validation message rewritten to name the file or environment variable and the key path."""
    match = _ERROR_AT.fullmatch(message)
    what, key_path = (match["what"], match["path"].lstrip(".")) if match else (message, "")
    if named := _NAMED_FIELD.fullmatch(what):
        key_path = f"{key_path}.{named['field']}".lstrip(".")
        what = "unknown key" if named["how"] == "contains unknown" else "missing (required)"
    for origin_path, variable in origins.items():
        if key_path == origin_path or key_path.startswith(f"{origin_path}["):
            return f"environment variable {variable} ({key_path}): {what}"
    return f"{path}: {key_path or 'top level'}: {what}"


def _struct_fields(info: inspect.Type) -> tuple[inspect.Field, ...]:
    info = _without_none(info)
    return info.fields if isinstance(info, inspect.StructType) else ()


def _key_type(variable: str, section: str, key: str, section_type: inspect.Type) -> inspect.Type:
    section_info = _without_none(section_type)
    if isinstance(section_info, inspect.DictType):
        return section_info.value_type
    for field in _struct_fields(section_info):
        if field.encode_name == key:
            return field.type
    raise ConfigError(f"environment variable {variable}: there is no key {key!r} in section [{section}]")


def _without_none(info: inspect.Type) -> inspect.Type:
    if isinstance(info, inspect.UnionType):
        others = [member for member in info.types if not isinstance(member, inspect.NoneType)]
        if len(others) == 1:
            return others[0]
    return info


def _override_value(variable: str, text: str, key_type: inspect.Type) -> object:
    key_type = _without_none(key_type)
    if isinstance(key_type, inspect.StrType) or (
        isinstance(key_type, inspect.LiteralType) and all(isinstance(v, str) for v in key_type.values)
    ):
        return text
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            f'environment variable {variable}: {text!r} is not a TOML value (e.g. 5000, true, ["a", "b"])'
        ) from None
