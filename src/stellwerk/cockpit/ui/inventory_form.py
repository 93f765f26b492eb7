"""The Inventory editor's structured form: for each object kind a short list of fields (a value at a JSON path)
and row groups (a JSON object or array whose items are table rows), how the form shows an object, and how a
submitted form changes it. A field the user did not change leaves the object as it was (its representation too),
and whatever the form does not cover (a workflow's instructions, say) is kept. Pure."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from stellwerk.cockpit.db.enums import ConfigurationType as T

Key = str | int
Path = tuple[Key, ...]
Widget = Literal["text", "number", "textarea", "lines", "ints", "codes", "checkbox", "select", "key"]


@dataclass(frozen=True)
class Field:
    """An input for the value at `path` (of the object, or of a row's item)."""

    id: str
    label: str
    path: Path
    widget: Widget = "text"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rows:
    """A table of the items at `path`: a JSON object by name (`keyed`: the first column is the name) or an array."""

    id: str
    label: str
    item: str  # what one row is called
    path: Path
    columns: tuple[Field, ...]
    keyed: bool = True
    new_item: Any = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The id of the column holding an item's name."""
        return next((column.id for column in self.columns if column.widget == "key"), "")


Part = Field | Rows

_TITLE = Field("title", "Title", ("title",))
_NAME = Field("name", "Name", (), "key")
_PAIRS = (_NAME, Field("value", "Value", ()))
_SHELL = {"executable": {"TYPE": "ShellScriptExecutable", "script": ""}}

FORMS: dict[T, tuple[Part, ...]] = {
    T.WORKFLOW: (
        _TITLE,
        Rows("jobs", "Jobs", "Job", ("jobs",), (
            _NAME,
            Field("agentName", "Agent", ("agentName",)),
            Field("script", "Script", ("executable", "script"), "textarea"),
            Field("success", "Success return codes", ("executable", "returnCodeMeaning", "success"), "codes"),
            Field("parallelism", "Parallelism", ("parallelism",), "number"),
        ), new_item={"agentName": "", **_SHELL, "parallelism": 1}),
        Rows("parameters", "Order parameters", "Parameter", ("orderPreparation", "parameters"), (
            _NAME,
            Field("type", "Type", ("type",), "select", ("String", "Number", "Boolean")),
            Field("default", "Default", ("default",)),
        ), new_item={"type": "String"}),
    ),
    T.JOBRESOURCE: (
        _TITLE,
        Rows("arguments", "Arguments", "Argument", ("arguments",), _PAIRS, new_item=""),
        Rows("env", "Environment variables", "Variable", ("env",), _PAIRS, new_item=""),
    ),
    T.LOCK: (_TITLE, Field("limit", "Limit", ("limit",), "number")),
    T.NOTICEBOARD: (
        _TITLE,
        Field("post", "Notice id when posting (expression)", ("postOrderToNoticeId",)),
        Field("expect", "Notice id when expecting (expression)", ("expectOrderToNoticeId",)),
        Field("endOfLife", "End of life (expression)", ("endOfLife",)),
    ),
    T.FILEORDERSOURCE: (
        _TITLE,
        Field("workflowName", "Workflow", ("workflowName",)),
        Field("agentName", "Agent", ("agentName",)),
        Field("directoryExpr", "Directory (expression)", ("directoryExpr",)),
        Field("pattern", "Pattern (regular expression)", ("pattern",)),
        Field("delay", "Delay (seconds)", ("delay",), "number"),
        Field("timeZone", "Time zone", ("timeZone",)),
    ),
    T.SCHEDULE: (
        _TITLE,
        Field("workflowNames", "Workflows (one a line)", ("workflowNames",), "lines"),
        Field("plan", "Plan orders automatically", ("planOrderAutomatically",), "checkbox"),
        Field("submit", "Submit orders when planned", ("submitOrderToControllerWhenPlanned",), "checkbox"),
        Rows("calendars", "Calendars", "Calendar", ("calendars",), (
            Field("calendarName", "Calendar", ("calendarName",)),
            Field("timeZone", "Time zone", ("timeZone",)),
            Field("singleStart", "Start at", ("periods", 0, "singleStart")),
            Field("repeat", "Or repeat every", ("periods", 0, "repeat")),
            Field("begin", "from", ("periods", 0, "begin")),
            Field("end", "to", ("periods", 0, "end")),
        ), keyed=False, new_item={"calendarName": "", "timeZone": "Etc/UTC", "periods": [{"singleStart": "00:00:00"}]}),
    ),
    T.WORKINGDAYSCALENDAR: (
        _TITLE,
        Field("from", "Valid from", ("from",)),
        Field("to", "Valid to", ("to",)),
        Field("weekdays", "Weekdays (0 = Sunday … 6 = Saturday)", ("includes", "weekdays", 0, "days"), "ints"),
        Field("dates", "Dates (one a line)", ("includes", "dates"), "lines"),
    ),
    T.JOBTEMPLATE: (
        _TITLE,
        Field("script", "Script", ("executable", "script"), "textarea"),
        Field("success", "Success return codes", ("executable", "returnCodeMeaning", "success"), "codes"),
        Field("parallelism", "Parallelism", ("parallelism",), "number"),
        Field("timeout", "Timeout (seconds)", ("timeout",), "number"),
    ),
    T.INCLUDESCRIPT: (_TITLE, Field("script", "Script", ("script",), "textarea")),
}  # fmt: skip
FORMS[T.NONWORKINGDAYSCALENDAR] = FORMS[T.WORKINGDAYSCALENDAR]


def json_path(path: Path) -> str:
    """The path as the validator names it: `$.jobs.job1.executable`, `$.calendars[0].periods`."""
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)


def value_at(value: Any, path: Path) -> Any:
    """The value at `path`, None where there is none."""
    for key in path:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


def with_value(value: Any, path: Path, new: Any) -> Any:
    """`value` (changed in place where it can be) with `new` at `path`, containers made on the way; None removes."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        items = value if isinstance(value, list) else []
        items.extend({} for _ in range(key + 1 - len(items)))
        items[key] = with_value(items[key], rest, new)
        return items
    found = value if isinstance(value, dict) else {}
    changed = with_value(found.get(key), rest, new)
    if changed is None:
        found.pop(key, None)
    else:
        found[key] = changed
    return found


def shown(widget: Widget, value: Any) -> str:
    """The text of an input showing `value`."""
    if value is None:
        return ""
    if widget == "checkbox":
        return "on" if value else ""
    if widget in ("lines", "ints", "codes") and isinstance(value, list):
        return ("\n" if widget == "lines" else ", ").join(str(item) for item in value)
    return value if isinstance(value, str) else str(value)


def _number(text: str) -> int | str:
    """A whole number; other text stays text (for the validator to name it at its path)."""
    try:
        return int(text)
    except ValueError:
        return text


def parsed(widget: Widget, text: str) -> Any:
    """The value an input's text stands for; None (no value) for an empty input."""
    text = text.strip() if widget not in ("textarea", "text", "key") else text
    if widget == "checkbox":
        return text == "on"
    if text.strip() == "":
        return None
    if widget == "number":
        return _number(text.strip())
    if widget == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if widget == "ints":
        return [_number(item) for item in text.replace(",", " ").split()]
    return text


@dataclass(frozen=True)
class Cell:
    """One input as the template draws it."""

    name: str
    dom_id: str
    label: str
    widget: Widget
    value: str
    where: str  # the JSON path of its value, where validation problems are matched
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    was: str  # the item's name (keyed) or index in the object the form was drawn from; "" for a new row
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    id: str
    label: str
    item: str
    rows: tuple[Row, ...]


def _cell(name: str, part: Field, value: Any, where: Path) -> Cell:
    dom_id = name.replace(":", "-")
    return Cell(
        name, dom_id, part.label, part.widget, shown(part.widget, value), json_path(where), part.choices
    )


def _items(rows: Rows, container: Any) -> list[tuple[str, Key, Any]]:
    """(was, key, item) of each item in the container."""
    if rows.keyed and isinstance(container, dict):
        return [(str(name), str(name), item) for name, item in container.items()]
    if not rows.keyed and isinstance(container, list):
        return [(str(index), index, item) for index, item in enumerate(container)]
    return []


def _table(rows: Rows, draft: Mapping[str, Any], add_row: bool) -> Table:
    items = _items(rows, value_at(draft, rows.path))
    if add_row:
        items.append(("", "" if rows.keyed else len(items), copy.deepcopy(rows.new_item)))
    drawn = []
    for index, (was, key, item) in enumerate(items):
        prefix = f"f:{rows.id}:{index}"
        cells = tuple(
            _cell(f"{prefix}:{column.id}", column, key if column.widget == "key" else value_at(item, column.path),
                  (*rows.path, key, *column.path))
            for column in rows.columns
        )  # fmt: skip
        drawn.append(Row(was, cells))
    return Table(rows.id, rows.label, rows.item, tuple(drawn))


def form_of(kind: T, draft: Mapping[str, Any], add_row: str = "") -> list[Cell | Table]:
    """The form showing `draft`; with `add_row` (a row group's id), an empty row more in that group."""
    return [
        _cell(f"f:{part.id}", part, value_at(draft, part.path), part.path)
        if isinstance(part, Field)
        else _table(part, draft, add_row == part.id)
        for part in FORMS.get(kind, ())
    ]


def _changed(item: Any, part: Field, form: Mapping[str, str], name: str, base: Any) -> Any:
    """`item` with the input's value at the field's path, if the user changed what the form showed."""
    text = form.get(name)
    if text is None or text == shown(part.widget, value_at(base, part.path)):
        return item
    return with_value(item, part.path, parsed(part.widget, text))


def _row_count(form: Mapping[str, str], rows: Rows) -> int:
    count = 0
    while f"f:{rows.id}:{count}:was" in form:
        count += 1
    return count


def _submitted_rows(
    rows: Rows, base: Mapping[str, Any], form: Mapping[str, str]
) -> Iterator[tuple[Key, Any]]:
    """(name or index, item) of each row the form keeps, its item changed by its inputs."""
    container = value_at(base, rows.path)
    for index in range(_row_count(form, rows)):
        prefix = f"f:{rows.id}:{index}"
        if form.get(f"{prefix}:remove") == "on":
            continue
        was = form[f"{prefix}:was"]
        known = was if rows.keyed else (int(was) if was.isdigit() else None)
        old = value_at(container, (known,)) if known not in (None, "") else None
        item = copy.deepcopy(old if old is not None else rows.new_item)
        key: Key = index
        for column in rows.columns:
            name = f"{prefix}:{column.id}"
            if column.widget == "key":
                key = form.get(name, "").strip()
            else:
                item = _changed(item, column, form, name, old if old is not None else rows.new_item)
        if key != "":
            yield key, item


def _applied_rows(draft: dict[str, Any], rows: Rows, base: Mapping[str, Any], form: Mapping[str, str]) -> Any:
    if f"f:{rows.id}:present" not in form:
        return draft
    kept = list(_submitted_rows(rows, base, form))
    container: Any = dict(kept) if rows.keyed else [item for _, item in kept]
    before = value_at(base, rows.path)
    if container == before or (not container and before is None):
        return draft
    return with_value(draft, rows.path, container)


def applied(kind: T, base: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The object `base` with what the user changed in its form (`f:…` inputs, as `form_of` names them)."""
    draft: dict[str, Any] = copy.deepcopy(dict(base))
    for part in FORMS.get(kind, ()):
        if isinstance(part, Field):
            draft = _changed(draft, part, form, f"f:{part.id}", base)
        else:
            draft = _applied_rows(draft, part, base, form)
    return draft


def inputs_of(kind: T, form: Mapping[str, str]) -> list[tuple[str, str]]:
    """(DOM id, JSON path) of each input of a submitted form, where its problems are shown."""
    found = []
    for part in FORMS.get(kind, ()):
        if isinstance(part, Field):
            found.append((f"f-{part.id}", json_path(part.path)))
            continue
        kept = 0
        for index in range(_row_count(form, part)):
            prefix = f"f:{part.id}:{index}"
            removed = form.get(f"{prefix}:remove") == "on"
            key: Key = form.get(f"{prefix}:{part.key}", "").strip() if part.keyed else kept
            kept += 0 if removed else 1
            for column in part.columns:
                where = "" if removed else json_path((*part.path, key, *column.path))
                found.append((f"{prefix}:{column.id}".replace(":", "-"), where))
    return found
