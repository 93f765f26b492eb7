"""The Inventory's folder view in a real browser over a running system: the folder tree is browsed to an
object, which is deleted to the trash (the listing follows without a reload) and restored from the trash view; a
folder is exported as a download and an archive uploaded into it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import Pages, System, log_in

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

DOOMED = "/browsed/deeper/doomed"


def test_the_tree_is_browsed_and_an_object_deleted_and_restored(system: System, pages: Pages) -> None:
    system.joc.ok("/joc/api/inventory/store", {"path": DOOMED, "objectType": "LOCK", "configuration": {"limit": 1}})  # fmt: skip
    page = pages.new()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, system.url)
    page.get_by_role("link", name="Inventory", exact=True).click()
    page.wait_for_url("**/ui/inventory/tree")
    folders = page.get_by_role("navigation", name="Folders")
    folders.get_by_role("link", name="browsed", exact=True).click()
    expect(page.locator("main h1")).to_contain_text("/browsed")
    expect(page.locator("tbody")).to_contain_text("No objects in /browsed.")
    page.get_by_role("navigation", name="Folders").get_by_role("link", name="deeper", exact=True).click()
    row = page.locator(f'tr[data-object="{DOOMED}"]')
    expect(row).to_contain_text("lock")
    expect(row.locator('[data-state="draft"]')).to_be_visible()

    row.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("#notice")).to_contain_text(f"Moved {DOOMED} to the trash")
    expect(row).to_have_count(0)  # the listing reloaded itself

    page.get_by_role("link", name="Trash", exact=True).click()
    trashed = page.locator(f'tr[data-trashed="{DOOMED}"]')
    trashed.get_by_role("button", name="Restore", exact=True).click()
    expect(page.locator("#notice")).to_contain_text(f"Restored {DOOMED}")
    expect(trashed).to_have_count(0)

    page.get_by_role("link", name="Back to the inventory").click()
    page.get_by_role("navigation", name="Folders").get_by_role("link", name="deeper", exact=True).click()
    expect(page.locator(f'tr[data-object="{DOOMED}"]')).to_be_visible()


def test_a_folder_is_exported_and_an_archive_imported_from_the_view(system: System, pages: Pages) -> None:
    system.joc.ok("/joc/api/inventory/store", {"path": "/packed/gate", "objectType": "LOCK", "configuration": {"limit": 2}})  # fmt: skip
    page = pages.new()
    log_in(page, system.url)
    page.goto(f"{system.url}/ui/inventory/tree?folder=/packed")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export", exact=True).click()
    exported = Path(download.value.path()).read_bytes()
    assert zipfile.ZipFile(io.BytesIO(exported)).namelist() == ["packed/gate.lock.json"]

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("turnstile.lock.json", '{"limit": 3}')
    page.get_by_text("New object or folder, rename, import").click()
    page.get_by_label("Archive", exact=True).set_input_files(
        files=[{"name": "turnstile.zip", "mimeType": "application/zip", "buffer": archive.getvalue()}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Imported turnstile.zip into /packed")
    expect(page.locator('tr[data-object="/packed/turnstile"]')).to_contain_text("lock")
