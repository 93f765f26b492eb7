"""The Inventory editor over HTTP, on every database: a new object of each kind starts valid; a problem is
reported with its JSON path and line in the text and under its input in the form; the form and the text convert
into each other keeping every field; the workflow preview draws a draft and names a broken draft's problem;
objects are stored through the form and a schedule released; an account that may only view is refused."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import SQLITE_ONLY
from tests.cockpit.ui.test_session import Browser

pytestmark = SQLITE_ONLY

KINDS = (
    "WORKFLOW", "JOBRESOURCE", "LOCK", "NOTICEBOARD", "FILEORDERSOURCE", "SCHEDULE", "WORKINGDAYSCALENDAR",
    "NONWORKINGDAYSCALENDAR", "JOBTEMPLATE", "INCLUDESCRIPT",
)  # fmt: skip
RELEASED = ("SCHEDULE", "WORKINGDAYSCALENDAR", "NONWORKINGDAYSCALENDAR", "JOBTEMPLATE", "INCLUDESCRIPT")
SHELL = {"TYPE": "ShellScriptExecutable", "script": "echo hi", "returnCodeMeaning": {"success": [0, 3]}}
WORKFLOW: dict[str, Any] = {
    "title": "Greets",
    "orderPreparation": {"parameters": {"who": {"type": "String", "default": "'world'"}}, "allowUndeclared": False},
    "instructions": [{"TYPE": "Execute.Named", "jobName": "greet", "label": "first"}],
    "jobs": {"greet": {"agentName": "agentA", "executable": SHELL, "parallelism": 2, "timeout": 30}},
}  # fmt: skip
FULL: dict[str, dict[str, Any]] = {
    "WORKFLOW": WORKFLOW,
    "JOBRESOURCE": {"title": "Env", "arguments": {"a": "'1'", "b": "'2'"}, "env": {"HOME": "'/home'"}},
    "LOCK": {"title": "One at a time", "limit": 3},
    "NOTICEBOARD": {"postOrderToNoticeId": "'x'", "expectOrderToNoticeId": "'x'", "endOfLife": "$js7EpochMilli"},
    "FILEORDERSOURCE": {
        "workflowName": "greeting", "agentName": "agentA", "directoryExpr": "'/in'", "pattern": ".*", "delay": 5,
        "timeZone": "Europe/Berlin",
    },
    "SCHEDULE": {
        "workflowNames": ["greeting", "other"], "planOrderAutomatically": True,
        "submitOrderToControllerWhenPlanned": False,
        "calendars": [{"calendarName": "weekdays", "timeZone": "Etc/UTC",
                       "periods": [{"singleStart": "08:00:00", "whenHoliday": "SUPPRESS"}]}],
    },
    "WORKINGDAYSCALENDAR": {
        "type": "WORKINGDAYSCALENDAR", "from": "2026-01-01",
        "includes": {"weekdays": [{"days": [1, 2, 3]}], "dates": ["2026-12-24"]},
    },
    "JOBTEMPLATE": {"executable": SHELL, "parallelism": 1, "timeout": 60},
    "INCLUDESCRIPT": {"title": "Common", "script": "\nset -e\n"},
}  # fmt: skip


class _Inputs(HTMLParser):
    """The values a browser would submit from a page's inputs (unchecked checkboxes left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.ids: dict[str, dict[str, str | None]] = {}
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] = found
        name = found.get("name")
        if tag == "input" and name and (found.get("type") != "checkbox" or "checked" in found):
            self.values[name] = found.get("value") or ""
        elif tag in ("textarea", "select") and name:
            self._open = (tag, name)
            self.values[name] = ""
        elif tag == "option" and self._open and "selected" in found:
            self._selected = True

    def handle_data(self, data: str) -> None:
        if self._open and (self._open[0] == "textarea" or getattr(self, "_selected", False)):
            self.values[self._open[1]] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._selected = False
        if self._open and tag == self._open[0]:
            if tag == "textarea":  # as browsers do, and send line breaks as CR LF
                value = self.values[self._open[1]]
                self.values[self._open[1]] = value.removeprefix("\n").replace("\n", "\r\n")
            self._open = None


def inputs(page: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(page)
    return parser


class Editor:
    """A logged-in browser on the editor's routes."""

    def __init__(self, url: str, account: str = "root", password: str = ADMIN_PASSWORD) -> None:
        self.browser = Browser(url)
        assert self.browser.log_in(account, password)[0] == 303

    def post(self, route: str, form: dict[str, str]) -> tuple[int, str]:
        return self.browser.request(f"/ui/inventory/{route}", {"csrf": self.browser.cookie("stellwerk_csrf") or "", **form})  # fmt: skip

    def open(self, kind: str, path: str = "") -> str:
        status, page = self.browser.request(f"/ui/inventory?type={kind}&path={path}")
        assert status == 200, page
        return page

    def as_form(self, kind: str, configuration: dict[str, Any]) -> dict[str, str]:
        """The form's inputs for the configuration, as the Form tab shows them."""
        status, panels = self.post("convert", {"objectType": kind, "mode": "text", "to": "form",
                                               "text": json.dumps(configuration)})  # fmt: skip
        assert status == 200 and 'name="mode" value="form"' in panels, panels
        return inputs(panels).values


def _verdict(answer: str) -> str:
    found = re.search(r'data-valid="(true|false)"', answer)
    assert found, answer
    return found.group(1)


def _plain(answer: str) -> str:
    """The text of an answer, as the browser shows it."""
    return html.unescape(re.sub(r"<[^>]+>", "", answer))


def _text_of(page: str) -> str:
    return inputs(page).values["text"].replace("\r\n", "\n")


def _store(editor: Editor, kind: str, path: str, configuration: dict[str, Any], **extra: str) -> str:
    status, answer = editor.post("save", {"path": path, "objectType": kind, "text": json.dumps(configuration), **extra})  # fmt: skip
    assert status == 200, answer
    return answer


def test_a_new_object_of_each_kind_starts_valid_with_the_step_after_storing_it(
    cockpit: RunningCockpit,
) -> None:
    editor = Editor(cockpit.url)
    assert "Stored /t/greeting" in _store(editor, "WORKFLOW", "/t/greeting", WORKFLOW)
    for kind in KINDS:
        page = editor.open(kind)
        text = _text_of(page)
        status, answer = editor.post("validate", {"objectType": kind, "text": text, "mode": "text"})
        assert status == 200 and _verdict(answer) == "true", (kind, text, answer)
        assert ("Store and release" in page) == (kind in RELEASED), kind
        assert 'role="tab"' in page, f"{kind} has a form"
    assert json.loads(_text_of(editor.open("FILEORDERSOURCE")))["workflowName"] == "greeting"
    assert editor.browser.request("/ui/inventory?type=REPORT")[0] == 400


def test_a_problem_is_reported_with_its_path_and_line_and_under_its_input(cockpit: RunningCockpit) -> None:
    editor = Editor(cockpit.url)
    broken = {**WORKFLOW, "jobs": {"greet": {**WORKFLOW["jobs"]["greet"], "parallelism": "many"}}}
    text = json.dumps(broken, indent=2)
    line = next(n for n, each in enumerate(text.splitlines(), 1) if '"parallelism"' in each)
    status, answer = editor.post("validate", {"objectType": "WORKFLOW", "text": text, "mode": "text"})
    assert status == 200 and _verdict(answer) == "false"
    assert f"Line {line}: $.jobs.greet.parallelism: Expected int, got str" in _plain(answer), answer
    assert f'data-goto-line="{line}"' in answer, "a button selects the line"
    assert 'data-path="$.jobs.greet.parallelism"' in answer
    yaml_text = "instructions: []\njobs:\n  greet:\n    agentName: a\n    executable:\n      TYPE: ShellScriptExecutable\n"
    answer = editor.post("validate", {"objectType": "WORKFLOW", "text": yaml_text, "mode": "text"})[1]
    assert "Line 5: $.jobs.greet.executable.script: missing required field" in _plain(answer), answer

    form = editor.as_form("WORKFLOW", WORKFLOW)
    assert form["f:jobs:0:parallelism"] == "2"
    status, answer = editor.post(
        "validate", {**form, "objectType": "WORKFLOW", "f:jobs:0:parallelism": "many"}
    )
    assert _verdict(answer) == "false"
    placed = re.findall(r'<p id="err-([\w-]+)" class="field-error" hx-swap-oob="true">([^<]*)</p>', answer)
    assert ("f-jobs-0-parallelism", "Expected int, got str") in placed, answer
    assert "Line" not in _plain(answer), "the form's draft has no lines"
    assert all(message == "" for dom_id, message in placed if dom_id != "f-jobs-0-parallelism")
    panels = editor.post("convert", {**form, "objectType": "WORKFLOW", "to": "form"})[1]
    drawn = inputs(panels).ids
    assert drawn["f-jobs-0-parallelism"]["aria-describedby"] == "err-f-jobs-0-parallelism"
    assert "err-f-jobs-0-parallelism" in drawn, "the message's place is in the form"
    status, answer = editor.post("validate", {**form, "objectType": "WORKFLOW", "f:jobs:0:script": ""})
    assert ("f-jobs-0-script", "missing required field") in re.findall(
        r'<p id="err-([\w-]+)" class="field-error" hx-swap-oob="true">([^<]*)</p>', answer
    ), answer


@pytest.mark.parametrize("kind", sorted(FULL))
def test_the_form_and_the_text_convert_into_each_other_keeping_every_field(
    cockpit: RunningCockpit, kind: str
) -> None:
    editor = Editor(cockpit.url)
    form = editor.as_form(kind, FULL[kind])
    status, panels = editor.post("convert", {**form, "objectType": kind, "to": "text"})
    assert status == 200 and 'name="mode" value="text"' in panels, panels
    assert json.loads(_text_of(panels)) == FULL[kind]
    assert editor.as_form(kind, json.loads(_text_of(panels))) == form


def test_the_form_changes_adds_and_removes_rows(cockpit: RunningCockpit) -> None:
    editor = Editor(cockpit.url)
    form = editor.as_form("WORKFLOW", WORKFLOW)
    panels = editor.post("convert", {**form, "objectType": "WORKFLOW", "addRow": "jobs"})[1]
    added = inputs(panels).values
    assert added["f:jobs:1:was"] == "" and added["f:jobs:1:name"] == "", "an empty row to fill in"
    changed = {
        **added, "f:jobs:1:name": "second", "f:jobs:1:agentName": "agentB", "f:jobs:1:script": "echo 2",
        "f:jobs:0:success": "0", "f:parameters:0:remove": "on", "f:title": "",
    }  # fmt: skip
    panels = editor.post("convert", {**changed, "objectType": "WORKFLOW", "to": "text"})[1]
    result = json.loads(_text_of(panels))
    assert result["jobs"]["greet"] == {**WORKFLOW["jobs"]["greet"], "executable": {**SHELL, "returnCodeMeaning": {"success": "0"}}}  # fmt: skip
    assert result["jobs"]["second"]["agentName"] == "agentB"
    assert result["jobs"]["second"]["executable"] == {"TYPE": "ShellScriptExecutable", "script": "echo 2"}
    assert result["orderPreparation"] == {"parameters": {}, "allowUndeclared": False}
    assert "title" not in result and result["instructions"] == WORKFLOW["instructions"]
    yaml_text = "limit: 2\ntitle: Gate\n"
    form = editor.as_form("LOCK", {"limit": 2, "title": "Gate"})
    panels = editor.post(
        "convert", {**form, "objectType": "LOCK", "text": yaml_text, "f:limit": "4", "to": "text"}
    )[1]
    assert _text_of(panels) == "limit: 4\ntitle: Gate\n", "YAML stays YAML"
    status, answer = editor.post(
        "convert", {"objectType": "WORKFLOW", "mode": "text", "to": "form", "text": "[1"}
    )
    assert status == 400 and "neither JSON nor YAML" in answer, "and the form is not shown"


def test_the_preview_draws_a_draft_and_names_the_problem_of_a_broken_one(cockpit: RunningCockpit) -> None:
    editor = Editor(cockpit.url)
    draft = {
        **WORKFLOW,
        "instructions": [*WORKFLOW["instructions"], {"TYPE": "Execute.Named", "jobName": "greet"}],
    }
    status, answer = editor.post("preview", {"text": json.dumps(draft), "mode": "text"})
    assert status == 200 and 'data-preview="ok"' in answer, answer
    found = re.search(r"data-elements='([^']*)'", answer)
    assert found, answer
    graph = json.loads(html.unescape(found.group(1)))
    titles = [element["data"].get("title") for element in graph if "source" not in element["data"]]
    assert titles == ["Job first", "Job greet", "end"]
    broken = {**WORKFLOW, "instructions": [{"TYPE": "Execute.Named", "jobName": "nobody"}]}
    text = json.dumps(broken, indent=2)
    status, answer = editor.post("preview", {"text": text, "mode": "text"})
    assert status == 200 and 'data-preview="error"' in answer and "data-elements" not in answer
    line = next(n for n, each in enumerate(text.splitlines(), 1) if '"nobody"' in each)
    assert f"Line {line}: $.instructions[0].jobName: unknown job" in html.unescape(answer), answer
    form = editor.as_form("WORKFLOW", WORKFLOW)
    answer = editor.post("preview", {**form, "f:jobs:0:name": "renamed"})[1]
    assert "$.instructions[0].jobName: unknown job" in html.unescape(answer), "the form's draft is drawn"


def test_objects_are_stored_through_the_form_and_a_schedule_is_released(cockpit: RunningCockpit) -> None:
    editor = Editor(cockpit.url)
    joc = Joc(cockpit.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    form = editor.as_form("LOCK", FULL["LOCK"])
    status, answer = editor.post("save", {**form, "path": "/t/gate", "objectType": "LOCK", "f:limit": "5"})
    assert status == 200 and "Stored /t/gate" in answer, answer
    read = joc.ok("/joc/api/inventory/read/configuration", {"path": "/t/gate", "objectType": "LOCK"})
    assert read["configuration"] == {**FULL["LOCK"], "limit": 5}
    status, answer = editor.post("save", {**form, "path": "/t/gate", "objectType": "LOCK", "f:limit": "x"})
    assert "not valid" in answer and "$.limit: Expected int" in html.unescape(answer), answer

    answer = _store(editor, "SCHEDULE", "/t/daily", FULL["SCHEDULE"], release="1")
    assert "Released /t/daily" in answer, answer
    read = joc.ok("/joc/api/inventory/read/configuration", {"path": "/t/daily", "objectType": "SCHEDULE"})
    assert read["released"] is True
    status, answer = editor.post(
        "save", {"path": "/t/gate", "objectType": "LOCK", "text": "limit: 1", "release": "1"}
    )
    assert status == 400 and "A Lock is not released; nothing was stored" in answer, answer
    read = joc.ok("/joc/api/inventory/read/configuration", {"path": "/t/gate", "objectType": "LOCK"})
    assert read["configuration"]["limit"] == "x", "the (invalid) draft stored before is kept"


def test_an_account_that_may_only_view_the_inventory_is_refused_every_change(cockpit: RunningCockpit) -> None:
    viewer = ("sos:products:joc:inventory:view",)
    cockpit.call(lambda c: _add_account(c, "viewer", "viewer-password", viewer, ()))
    editor = Editor(cockpit.url, "viewer", "viewer-password")
    page = editor.open("LOCK")
    assert ">Store</button>" not in page, "no button to store"
    status, answer = editor.post("validate", {"objectType": "LOCK", "text": "limit: 2", "mode": "text"})
    assert status == 200 and _verdict(answer) == "true"
    status, answer = editor.post("save", {"path": "/t/gate", "objectType": "LOCK", "text": "limit: 2"})
    assert status == 403, answer
    joc = Joc(cockpit.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    answer = joc.post("/joc/api/inventory/read/configuration", {"path": "/t/gate", "objectType": "LOCK"})
    assert answer.status != 200, "nothing was stored"
