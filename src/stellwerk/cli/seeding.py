"""Deploying a folder of inventory files through a running Cockpit, as an operator would: log in, import the
folder as a JS7 archive (zip), deploy its top-level folders and objects to the Controller. `stellwerk standalone
--deploy DIR` does it at the first start (`make run` with examples/)."""

from __future__ import annotations

import io
import ssl
import zipfile
from pathlib import Path
from typing import Any

import aiohttp

INVENTORY_SUFFIXES = (".workflow.json", ".jobresource.json", ".lock.json", ".noticeboard.json",
                      ".fileordersource.json", ".schedule.json", ".calendar.json")  # fmt: skip
OBJECT_TYPES = {
    ".workflow.json": "WORKFLOW",
    ".jobresource.json": "JOBRESOURCE",
    ".lock.json": "LOCK",
    ".noticeboard.json": "NOTICEBOARD",
    ".fileordersource.json": "FILEORDERSOURCE",
}


class DeployFailed(RuntimeError):
    pass


def inventory_files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and path.name.endswith(INVENTORY_SUFFIXES)
    )


def archive_of(folder: Path) -> bytes:
    """The inventory files of `folder` as a JS7 zip archive (entries relative, without a leading slash)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in inventory_files(folder):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def deployables(folder: Path) -> list[dict[str, Any]]:
    """Each top-level folder (recursively) and each deployable object at the top."""
    found: list[dict[str, Any]] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and inventory_files(child):
            found.append({"path": f"/{child.name}", "objectType": "FOLDER", "recursive": True})
        for suffix, kind in OBJECT_TYPES.items():
            if child.is_file() and child.name.endswith(suffix):
                found.append({"path": "/" + child.name.removesuffix(suffix), "objectType": kind})
    return found


def python_folders(folder: Path) -> list[Path]:
    """The folders holding Python modules (for the Agent's PYTHONPATH: the examples' Python jobs)."""
    return sorted({path.parent for path in folder.rglob("*.py")})


async def deploy_folder(
    cockpit_url: str, context: ssl.SSLContext | None, password: str, folder: Path, controller_id: str
) -> int:
    """Imports and deploys the folder; returns how many inventory files it held."""
    async with aiohttp.ClientSession(
        cockpit_url, connector=aiohttp.TCPConnector(ssl=context or False)
    ) as session:
        login = await session.post("/joc/api/authentication/login", auth=aiohttp.BasicAuth("root", password))
        token = (await _answer(login, "login"))["accessToken"]
        headers = {"X-Access-Token": token}
        form = aiohttp.FormData()
        form.add_field("file", archive_of(folder), filename="inventory.zip", content_type="application/zip")
        form.add_field("format", "ZIP")
        form.add_field("overwrite", "true")
        await _answer(await session.post("/joc/api/inventory/import", data=form, headers=headers), "import")
        drafts = [{"configuration": configuration} for configuration in deployables(folder)]
        body = {"controllerIds": [controller_id], "store": {"draftConfigurations": drafts}}
        deployed = await session.post("/joc/api/inventory/deployment/deploy", json=body, headers=headers)
        await _answer(deployed, "deploy")
        await session.post("/joc/api/authentication/logout", headers=headers)
    return len(inventory_files(folder))


async def _answer(response: aiohttp.ClientResponse, step: str) -> dict[str, Any]:
    async with response:
        body: dict[str, Any] = await response.json(content_type=None)
        if response.status != 200:
            message = body.get("error", {}).get("message") or body.get("message") or body
            raise DeployFailed(f"{step} failed ({response.status}): {message}")
        return body
