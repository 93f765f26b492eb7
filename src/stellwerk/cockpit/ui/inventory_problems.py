"""Where the Inventory editor shows a validation problem: the validator's message names the JSON path of each
problem it can place (`$.jobs.job1.executable.script: missing required field`); this finds the line of that
path in the editor's JSON or YAML text and the form input that holds its value. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

_PLACED = re.compile(r"^(\$(?:\.[^\s.\[:]+|\[\d+\])*): (.+)$", re.S)
_STEP = re.compile(r"\.([^\s.\[:]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    message: str
    path: str | None = None  # the JSON path, where the validator names one
    line: int | None = None  # its line in the text (1-based), where it could be found

    @property
    def text(self) -> str:
        """The message as the text editor shows it: with the line and the path."""
        where = f"Line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path.removeprefix("$"))]


def line_of(text: str, path: str) -> int | None:
    """The line of the value at `path` in the text (JSON is YAML too), or of the deepest part of the path found
    there (a missing field: the object that lacks it); None if the text does not parse."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for step in _steps(path):
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def problems_of(message: str | None, text: str = "") -> list[Problem]:
    """The problems of a validation message (one a line, or joined by "; "), each placed in the text."""
    if not message:
        return []
    found = []
    for part in (p for line in message.splitlines() for p in line.split("; ") if p.strip()):
        placed = _PLACED.match(part.strip())
        if placed is None:
            found.append(Problem(part.strip()))
        else:
            path = placed.group(1)
            found.append(Problem(placed.group(2), path, line_of(text, path) if text else None))
    return found


def _within(path: str, outer: str) -> bool:
    return path == outer or path.startswith(outer + ".") or path.startswith(outer + "[")


def field_of(path: str, fields: Iterable[tuple[str, str]]) -> str | None:
    """The id of the input (of (id, JSON path) pairs) a problem at `path` belongs to: the input of that value,
    else the first input inside it (a missing object), else the input of the nearest value around it."""
    candidates = list(fields)
    inside = [dom_id for dom_id, where in candidates if _within(where, path)]
    if inside:
        return next((dom_id for dom_id, where in candidates if where == path), inside[0])
    around = [(len(where), dom_id) for dom_id, where in candidates if _within(path, where)]
    return max(around)[1] if around else None
