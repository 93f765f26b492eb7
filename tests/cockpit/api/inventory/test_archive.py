"""Export and import of JS7 archives: a round trip in zip and tar.gz, target folder and prefix, hostile entries
refused with their name and nothing changed."""

from __future__ import annotations

import io
import json
import tarfile
import urllib.request
import uuid
import zipfile

import pytest

from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.joc import Answer, Joc, _decoded


def upload(joc: Joc, path: str, data: bytes, fields: dict[str, str]) -> Answer:
    """A multipart POST as JOC's client sends it: the form fields, then the archive as `file`."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'.encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Access-Token": joc.token or ""}
    request = urllib.request.Request(joc.url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, _decoded(response.read()))
    except urllib.error.HTTPError as error:
        return Answer(error.code, _decoded(error.read()))


def export(joc: Joc, path: str, body: dict[str, object]) -> bytes:
    request = urllib.request.Request(
        joc.url + path,
        data=json.dumps(body).encode(),
        headers={"X-Access-Token": joc.token or "", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{path}: {error.code} {error.read()!r}") from None


def names(data: bytes, archive_format: str) -> list[str]:
    if archive_format == "ZIP":
        return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    return sorted(tarfile.open(fileobj=io.BytesIO(data), mode="r:gz").getnames())


def paths(joc: Joc) -> list[str]:
    folder = joc.ok("/joc/api/inventory/read/folder", {"path": "/", "recursive": True})
    return sorted(item["path"] for key, items in folder.items() if isinstance(items, list) for item in items)


@pytest.mark.parametrize("archive_format", ["ZIP", "TAR_GZ"])
def test_export_then_import_elsewhere(joc: Joc, archive_format: str) -> None:
    joc.ok("/joc/api/inventory/store", {"path": "/team/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/store", {"path": "/team/sub/hello", "objectType": "WORKFLOW", "configuration": workflow(lock="L1")})  # fmt: skip
    body = {
        "exportFile": {"filename": "team.zip", "format": archive_format},
        "shallowCopy": {"folders": ["/team"], "objectTypes": ["WORKFLOW", "LOCK"], "recursive": True},
    }
    data = export(joc, "/joc/api/inventory/export/folder", body)
    assert names(data, archive_format) == ["team/L1.lock.json", "team/sub/hello.workflow.json"]
    single = export(joc, "/joc/api/inventory/export", {"exportFile": {"filename": "x", "format": archive_format}, "shallowCopy": {"deployables": {"draftConfigurations": [{"configuration": {"path": "/team/sub/hello", "objectType": "WORKFLOW"}}]}}})  # fmt: skip
    assert names(single, archive_format) == ["team/sub/hello.workflow.json"]

    kept = upload(joc, "/joc/api/inventory/import", data, {"format": archive_format, "overwrite": "false", "targetFolder": "/copy"})  # fmt: skip
    assert kept.status == 200, kept.body
    assert paths(joc) == ["/team/L1", "/team/sub/hello"], "without overwrite, objects of the same names stay"
    answer = upload(joc, "/joc/api/inventory/import", data, {"format": archive_format, "overwrite": "true", "targetFolder": "/copy", "prefix": "x"})  # fmt: skip
    assert answer.status == 200 and answer.body["ok"] is True
    assert paths(joc) == ["/copy/team/sub/x-hello", "/copy/team/x-L1", "/team/L1", "/team/sub/hello"]
    copied = joc.ok("/joc/api/inventory/read/configuration", {"path": "/copy/team/sub/x-hello", "objectType": "WORKFLOW"})  # fmt: skip
    assert copied["configuration"] == workflow(lock="L1")


def _zip(name: str, data: bytes, mode: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        archive.writestr(info, data)
    return buffer.getvalue()


def _tar_with_link() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("team/evil.workflow.json")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    return buffer.getvalue()


def test_hostile_or_bad_archives_are_refused_with_the_entry_named(joc: Joc) -> None:
    good = json.dumps(LOCK).encode()
    cases = [
        (_zip("../evil.lock.json", good), "ZIP", "../evil.lock.json: '..' is not allowed"),
        (_zip("/etc/evil.lock.json", good), "ZIP", "/etc/evil.lock.json: absolute paths are not allowed"),
        (
            _zip("team/link.lock.json", b"/etc/passwd", 0o120777),
            "ZIP",
            "team/link.lock.json: links and special files",
        ),  # fmt: skip
        (_tar_with_link(), "TAR_GZ", "team/evil.workflow.json: links and special files"),
        (_zip("team/x.cake.json", good), "ZIP", "team/x.cake.json: not an inventory object"),
        (_zip("team/x.lock.json", b"{"), "ZIP", "team/x.lock.json: malformed JSON"),
        (b"not an archive", "ZIP", "file: not a ZIP archive"),
    ]
    for data, archive_format, message in cases:
        answer = upload(
            joc, "/joc/api/inventory/import", data, {"format": archive_format, "overwrite": "true"}
        )
        assert answer.status == 420, message
        assert message in answer.error["message"]
    assert paths(joc) == []
