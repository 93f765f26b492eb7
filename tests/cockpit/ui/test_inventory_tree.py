"""The Inventory's folder view over HTTP, on every database: the folder tree and a folder's objects of every kind
with their state; rename, delete to the trash and restore, release and recall, export and import archives, all
through the view's forms (with the CSRF token); the difference between a deployed workflow and its edited
draft on a real Controller; an account that may only view sees no controls and is refused the operations; a
hostile path is refused and changes nothing."""

from __future__ import annotations

import io
import tarfile
import urllib.error
import urllib.request
import uuid
import zipfile
from typing import Any

from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.inventory.items import CALENDAR, LOCK, workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import SQLITE_ONLY
from tests.cockpit.ui.test_session import Browser

pytestmark = SQLITE_ONLY

VIEW = "sos:products:joc:inventory:view"
TREE = "/ui/inventory/tree"


def _store(joc: Joc, path: str, object_type: str, configuration: dict[str, Any] | None = None) -> None:
    body: dict[str, Any] = {"path": path, "objectType": object_type}
    if configuration is not None:
        body["configuration"] = configuration
    joc.ok("/joc/api/inventory/store", body)


def _team(url: str) -> Joc:
    """Root's API client, with /team holding a workflow, a lock and a calendar in /team/sub."""
    joc = Joc(url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    _store(joc, "/team/hello", "WORKFLOW", workflow())
    _store(joc, "/team/L1", "LOCK", LOCK)
    _store(joc, "/team/sub/weekdays", "WORKINGDAYSCALENDAR", CALENDAR)
    return joc


def _browser(url: str, account: str = "root", password: str = ADMIN_PASSWORD) -> Browser:
    browser = Browser(url)
    assert browser.log_in(account, password)[0] == 303
    return browser


def _post(browser: Browser, path: str, form: dict[str, str]) -> tuple[int, str]:
    return browser.request(path, {"csrf": browser.cookie("stellwerk_csrf") or "", **form})


def _send(browser: Browser, path: str, data: bytes, content_type: str) -> tuple[int, bytes]:
    """A POST of raw bytes with the browser's cookies: (status, body)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.cookies))
    request = urllib.request.Request(
        f"{browser.url}{path}", data=data, headers={"Content-Type": content_type}
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _multipart(fields: dict[str, str], archive: bytes, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + archive + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _paths(joc: Joc, folder: str = "/team") -> set[str]:
    answer = joc.ok("/joc/api/inventory/read/folder", {"path": folder, "recursive": True})
    return {item["path"] for key, items in answer.items() if isinstance(items, list) for item in items}


def _row(html: str, path: str) -> str:
    """The listing's table row of the object."""
    start = html.index(f'data-object="{path}"')
    return html[start : html.index("</tr>", start)]


def test_the_tree_lists_every_kind_with_its_state_and_links_to_the_editor(cockpit: RunningCockpit) -> None:
    _team(cockpit.url)
    browser = _browser(cockpit.url)
    status, html = browser.request("/ui/")
    assert f'href="{TREE}"' in html, "the navigation leads to the view"
    status, html = browser.request(TREE)
    assert status == 200, html
    assert 'data-folder="/team"' in html and 'data-folder="/team/sub"' in html
    assert "No objects in /." in html
    status, html = browser.request(f"{TREE}?folder=/team")
    assert status == 200 and '<h1 id="folder-title">Inventory <span class="muted">/team</span>' in html
    assert 'data-kind="WORKFLOW"' in _row(html, "/team/hello") and 'data-kind="LOCK"' in _row(
        html, "/team/L1"
    )
    assert 'href="/ui/inventory?path=/team/hello&amp;type=WORKFLOW"' in html
    assert 'data-state="draft"' in _row(html, "/team/hello") and 'data-state="valid"' in _row(
        html, "/team/hello"
    )
    assert "/team/sub/weekdays" not in html, "a folder lists its own objects"
    html = browser.request(f"{TREE}?folder=/team/sub")[1]
    assert 'data-kind="WORKINGDAYSCALENDAR"' in _row(html, "/team/sub/weekdays")
    assert ">Release</button>" in _row(html, "/team/sub/weekdays")
    listing = browser.request(f"{TREE}/listing?folder=/team")[1]
    assert "<html" not in listing and 'data-object="/team/hello"' in listing

    status, answer = browser.request(f"{TREE}/new?folder=/team&kind=SCHEDULE&name=nightly")
    assert (status, answer) == (303, "/ui/inventory?path=%2Fteam%2Fnightly&type=SCHEDULE")


def test_objects_and_folders_are_created_renamed_released_and_recalled(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    browser = _browser(cockpit.url)
    status, answer = _post(browser, f"{TREE}/folder", {"folder": "/team", "name": "new"})
    assert status == 200 and "Created the folder /team/new" in answer, answer
    form = {"path": "/team/hello", "objectType": "WORKFLOW", "newName": "greet"}
    status, answer = _post(browser, f"{TREE}/rename", form)
    assert status == 200 and "Renamed /team/hello to /team/greet" in answer, answer
    form = {"path": "/team/sub", "objectType": "FOLDER", "newName": "days"}
    assert "Renamed /team/sub to /team/days" in _post(browser, f"{TREE}/rename", form)[1]
    assert _paths(joc) == {"/team/greet", "/team/L1", "/team/days/weekdays"}
    tree = browser.request(TREE)[1]
    assert 'data-folder="/team/new"' in tree and 'data-folder="/team/days"' in tree
    assert 'data-folder="/team/sub"' not in tree
    reloaded = browser.request(f"{TREE}/listing?folder=/team/sub")[1]
    assert '<span class="muted">/team</span>' in reloaded, "a renamed folder's view shows its parent"

    taken = {"path": "/team/greet", "objectType": "WORKFLOW", "newName": "greet2"}
    _store(joc, "/other/greet2", "WORKFLOW", workflow())
    status, answer = _post(browser, f"{TREE}/rename", taken)
    assert status == 400 and "the name greet2 is used already" in answer, answer

    calendar = {"objects": "WORKINGDAYSCALENDAR:/team/days/weekdays"}
    status, answer = _post(browser, f"{TREE}/release", calendar)
    assert status == 200 and "Released /team/days/weekdays" in answer, answer
    html = browser.request(f"{TREE}?folder=/team/days")[1]
    assert 'data-state="released"' in _row(html, "/team/days/weekdays")
    status, answer = _post(browser, f"{TREE}/release", {"objects": "WORKFLOW:/team/greet"})
    assert status == 400 and "is deployed, not released" in answer, answer
    assert "Recalled the release of /team/days/weekdays" in _post(browser, f"{TREE}/recall", calendar)[1]
    html = browser.request(f"{TREE}?folder=/team/days")[1]
    assert 'data-state="released"' not in _row(html, "/team/days/weekdays")


def test_an_object_and_a_folder_are_deleted_to_the_trash_and_restored(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    browser = _browser(cockpit.url)
    status, answer = _post(browser, f"{TREE}/remove", {"objects": "WORKFLOW:/team/hello"})
    assert status == 200 and "Moved /team/hello to the trash" in answer, answer
    assert "/team/hello" not in _paths(joc)
    assert 'data-object="/team/hello"' not in browser.request(f"{TREE}?folder=/team")[1]
    assert "Moved the folder /team/sub" in _post(browser, f"{TREE}/remove/folder", {"folder": "/team/sub"})[1]
    status, html = browser.request(f"{TREE}/trash")
    assert status == 200 and 'data-trashed="/team/hello"' in html and 'data-trashed="/team/sub"' in html

    status, answer = _post(browser, f"{TREE}/restore", {"objects": "WORKFLOW:/team/hello"})
    assert status == 200 and "Restored /team/hello" in answer, answer
    assert "Restored /team/sub" in _post(browser, f"{TREE}/restore", {"objects": "FOLDER:/team/sub"})[1]
    assert _paths(joc) == {"/team/hello", "/team/L1", "/team/sub/weekdays"}
    assert 'data-trashed="' not in browser.request(f"{TREE}/trash/listing")[1]

    _post(browser, f"{TREE}/remove", {"objects": "LOCK:/team/L1"})
    status, answer = _post(browser, f"{TREE}/trash/delete", {"objects": "LOCK:/team/L1"})
    assert status == 200 and "Deleted /team/L1 for good" in answer, answer
    status, answer = _post(browser, f"{TREE}/restore", {"objects": "LOCK:/team/L1"})
    assert status == 404 and "No LOCK at /team/L1 in the trash" in answer, answer


def test_a_folder_exported_as_an_archive_is_imported_again(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    browser = _browser(cockpit.url)
    csrf = browser.cookie("stellwerk_csrf") or ""
    status, data = _send(
        browser,
        f"{TREE}/export",
        f"csrf={csrf}&folder=/team&format=ZIP".encode(),
        "application/x-www-form-urlencoded",
    )
    assert status == 200, data
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == {"team/hello.workflow.json", "team/L1.lock.json", "team/sub/weekdays.calendar.json"}
    chosen = f"csrf={csrf}&folder=/team&format=TAR_GZ&objects=LOCK:/team/L1".encode()
    status, packed = _send(browser, f"{TREE}/export", chosen, "application/x-www-form-urlencoded")
    assert status == 200 and tarfile.open(fileobj=io.BytesIO(packed)).getnames() == ["team/L1.lock.json"]

    for path in ("/team/hello", "/team/L1"):
        joc.ok("/joc/api/inventory/remove", {"objects": [{"path": path, "objectType": "WORKFLOW" if path.endswith("hello") else "LOCK"}]})  # fmt: skip
    fields = {"csrf": csrf, "format": "ZIP", "overwrite": "false", "targetFolder": "/copy"}
    body, content_type = _multipart(fields, data, "team.zip")
    status, answer = _send(browser, f"{TREE}/import", body, content_type)
    assert status == 200 and b"Imported team.zip into /copy" in answer, answer
    assert {"/copy/team/hello", "/copy/team/L1"} <= _paths(joc, "/copy")
    assert "/copy/team/sub/weekdays" not in _paths(joc, "/copy"), "kept: the calendar's name is used already"

    body, content_type = _multipart({**fields, "format": "TAR_GZ"}, data, "team.tar.gz")
    status, answer = _send(browser, f"{TREE}/import", body, content_type)
    assert status == 400 and b"team.tar.gz" not in answer and b"Refused" in answer, answer


def test_an_account_that_may_only_view_sees_no_controls_and_is_refused(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    cockpit.call(lambda c: _add_account(c, "viewer", "viewer-pw", (VIEW,), ()))
    browser = _browser(cockpit.url, "viewer", "viewer-pw")
    status, html = browser.request(f"{TREE}?folder=/team")
    assert status == 200 and 'data-object="/team/hello"' in html
    for control in ("New object", "New folder", "Rename", "Delete", "Release", "Deploy", "Import"):
        assert f">{control}" not in html, control
    assert ">Export</button>" in html
    form = {"path": "/team/hello", "objectType": "WORKFLOW", "newName": "mine"}
    status, answer = _post(browser, f"{TREE}/rename", form)
    assert status == 403 and "lacks the permission sos:products:joc:inventory:manage" in answer, answer
    assert _post(browser, f"{TREE}/remove", {"objects": "WORKFLOW:/team/hello"})[0] == 403
    assert _post(browser, f"{TREE}/folder", {"folder": "/team", "name": "x"})[0] == 403
    assert _paths(joc) == {"/team/hello", "/team/L1", "/team/sub/weekdays"}


def test_a_hostile_path_is_refused_and_changes_nothing(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    browser = _browser(cockpit.url)
    before = _paths(joc, "/")
    attempts = [
        (f"{TREE}/rename", {"path": "/team/hello", "objectType": "WORKFLOW", "newName": "../etc"}),
        (f"{TREE}/rename", {"path": "/team/../hello", "objectType": "WORKFLOW", "newName": "x"}),
        (f"{TREE}/folder", {"folder": "/team/..", "name": "x"}),
        (f"{TREE}/remove", {"objects": "WORKFLOW:/team/../team/hello"}),
        (f"{TREE}/remove/folder", {"folder": "/team/sub/.."}),
        (f"{TREE}/remove", {"objects": "BOGUS:/team/hello"}),
    ]
    for path, form in attempts:
        status, answer = _post(browser, path, form)
        assert status == 400 and ("not a name" in answer or ". or .. folder" in answer or "names no object type" in answer), (form, answer)  # fmt: skip
    assert browser.request(f"{TREE}?folder=/team/../team")[0] == 400
    status, answer = browser.request(f"{TREE}/new?folder=/team&kind=WORKFLOW&name=a/b")
    assert status == 400 and "not a name" in answer
    csrf = browser.cookie("stellwerk_csrf") or ""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("x.lock.json", '{"limit": 1}')
    body, content_type = _multipart(
        {"csrf": csrf, "format": "ZIP", "targetFolder": "/a/../b"}, archive.getvalue(), "x.zip"
    )
    status, answer = _send(browser, f"{TREE}/import", body, content_type)
    assert status == 400 and b"targetFolder" in answer, answer
    assert _paths(joc, "/") == before


def test_the_changes_of_an_edited_deployed_workflow(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = Joc(running.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    _store(joc, "/team/hello", "WORKFLOW", workflow(script="echo before"))
    browser = _browser(running.url)
    status, answer = _post(browser, f"{TREE}/deploy", {"objects": "WORKFLOW:/team/hello", "controller": controller.controller_id})  # fmt: skip
    assert status == 200 and f"Deployed /team/hello to {controller.controller_id}" in answer, answer
    html = browser.request(f"{TREE}?folder=/team")[1]
    assert 'data-state="deployed"' in _row(html, "/team/hello") and "data-changed" not in _row(
        html, "/team/hello"
    )
    page = browser.request(f"{TREE}/changes?path=/team/hello&type=WORKFLOW")[1]
    assert "data-same" in page and "data-diff" not in page

    _store(joc, "/team/hello", "WORKFLOW", workflow(script="echo after"))
    html = browser.request(f"{TREE}?folder=/team")[1]
    assert "data-changed" in _row(html, "/team/hello") and 'data-state="deployed"' not in _row(
        html, "/team/hello"
    )
    status, page = browser.request(f"{TREE}/changes?path=/team/hello&type=WORKFLOW")
    assert status == 200 and "data-diff" in page, page
    assert '<span class="del">-        &#34;script&#34;: &#34;echo before&#34;' in page, page
    assert '<span class="add">+        &#34;script&#34;: &#34;echo after&#34;' in page, page
    assert page.count('<span class="add">+ ') == 1, "only the script changed"

    status, answer = _post(
        browser, f"{TREE}/deploy", {"objects": "WORKFLOW:/team/hello", "controller": "nowhere"}
    )
    assert status == 404 or status == 400, answer
    status, answer = _post(browser, f"{TREE}/deploy", {"objects": "WORKFLOW:/team/hello"})
    assert status == 400 and "choose the Controller" in answer


def test_an_account_limited_to_a_folder_starts_there_and_sees_only_its_trash(cockpit: RunningCockpit) -> None:
    joc = _team(cockpit.url)
    _store(joc, "/other/L2", "LOCK", LOCK)
    joc.ok("/joc/api/inventory/remove", {"objects": [{"path": "/other/L2", "objectType": "LOCK"}]})
    joc.ok("/joc/api/inventory/remove", {"objects": [{"path": "/team/L1", "objectType": "LOCK"}]})
    cockpit.call(lambda c: _add_account(c, "fenced", "fenced-pw", (VIEW,), ("/team",)))
    browser = _browser(cockpit.url, "fenced", "fenced-pw")
    status, html = browser.request(TREE)
    assert status == 200 and 'data-object="/team/hello"' in html and 'data-folder="/other"' not in html
    status, html = browser.request(f"{TREE}?folder=/other")  # a folder it cannot see: its own instead
    assert status == 200 and '<span class="muted">/team</span>' in html and "/other" not in html
    status, html = browser.request(f"{TREE}/trash")
    assert status == 200 and 'data-trashed="/team/L1"' in html and "/other/L2" not in html
