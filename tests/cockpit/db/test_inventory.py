"""Inventory drafts, folders, rename, trash and releases."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Draft, InventoryRepository
from stellwerk.cockpit.db.repositories.releases import ReleaseRepository
from stellwerk.cockpit.db.repositories.trash import TrashRepository
from stellwerk.cockpit.db.session import Database

WORKFLOW = '{"instructions":[]}'


def draft(path: str, content: str = WORKFLOW, kind: T = T.WORKFLOW) -> Draft:
    return Draft(object_type=kind, path=path, content=content)


async def test_store_creates_the_folders_and_reads_back(database: Database) -> None:
    async with database.session() as session:
        inventory = InventoryRepository(session)
        stored = await inventory.store(draft("/a/b/wf"), now=10)
        assert (stored.name, stored.folder, stored.created, stored.deployed) == ("wf", "/a/b", 10, False)
        assert await inventory.read(T.WORKFLOW, "/a/b/wf") == stored
        assert await inventory.read_by_name(T.WORKFLOW, "wf") == stored
        assert await inventory.read_by_id(stored.id) == stored
        folders = await inventory.list_folder("/", recursive=True, object_types=[T.FOLDER])
        assert [f.path for f in folders] == ["/a", "/a/b"]


async def test_a_changed_draft_is_no_longer_deployed(database: Database) -> None:
    async with database.session() as session:
        inventory = InventoryRepository(session)
        stored = await inventory.store(draft("/wf"), now=1)
        await inventory.set_deployed([stored.id], True)
        same = await inventory.store(draft("/wf"), now=2)
        changed = await inventory.store(draft("/wf", '{"instructions":[{}]}'), now=3)
    assert (same.deployed, same.modified) == (True, 2)
    assert (changed.deployed, changed.created, changed.modified) == (False, 1, 3)


async def test_list_folder_recursively_or_not(database: Database) -> None:
    async with database.session() as session:
        inventory = InventoryRepository(session)
        for path in ("/x/one", "/x/y/two", "/x_other/three"):
            await inventory.store(draft(path), now=1)
        await inventory.store(draft("/x/lock", "{}", T.LOCK), now=1)
        flat = await inventory.list_folder("/x")
        deep = await inventory.list_folder("/x", recursive=True, object_types=[T.WORKFLOW])
    assert [(c.path, c.object_type) for c in flat] == [
        ("/x/lock", T.LOCK),
        ("/x/one", T.WORKFLOW),
        ("/x/y", T.FOLDER),
    ]
    assert [c.path for c in deep] == ["/x/one", "/x/y/two"]


async def test_rename_an_item_and_a_folder(database: Database) -> None:
    async with database.session() as session:
        inventory = InventoryRepository(session)
        await inventory.store(draft("/old/sub/wf"), now=1)
        await inventory.store(draft("/old/wf2"), now=1)
        renamed = await inventory.rename(T.WORKFLOW, "/old/wf2", "/new/place/wf3", now=2)
        assert renamed is not None and (renamed.name, renamed.folder) == ("wf3", "/new/place")
        assert await inventory.rename(T.WORKFLOW, "/missing", "/x", now=2) is None
        assert await inventory.rename_folder("/old", "/top/moved", now=3) == 3
        everything = await inventory.list_folder("/", recursive=True)
    assert sorted((c.path, c.folder) for c in everything) == [
        ("/new", "/"),
        ("/new/place", "/new"),
        ("/new/place/wf3", "/new/place"),
        ("/top", "/"),
        ("/top/moved", "/top"),
        ("/top/moved/sub", "/top/moved"),
        ("/top/moved/sub/wf", "/top/moved/sub"),
    ]


async def test_trash_and_restore_a_folder(database: Database) -> None:
    async with database.session() as session:
        inventory, trash = InventoryRepository(session), TrashRepository(session)
        await inventory.store(draft("/f/wf"), now=1)
        await inventory.store(draft("/f/g/wf2"), now=1)
        await inventory.store(draft("/keep"), now=1)
        assert await trash.trash(T.FOLDER, "/f", now=5) == 4
        assert [c.path for c in await inventory.list_folder("/", recursive=True)] == ["/keep"]
        assert [(t.path, t.trashed) for t in await trash.trashed()] == [
            ("/f", 5),
            ("/f/g", 5),
            ("/f/g/wf2", 5),
            ("/f/wf", 5),
        ]
        restored = await trash.restore(T.FOLDER, "/f", now=6)
        assert sorted(c.path for c in restored) == ["/f", "/f/g", "/f/g/wf2", "/f/wf"]
        assert await trash.trashed() == []
        assert (await inventory.read(T.WORKFLOW, "/f/g/wf2")) is not None


async def test_restore_refuses_when_the_path_is_taken_and_empty_deletes(database: Database) -> None:
    async with database.session() as session:
        inventory, trash = InventoryRepository(session), TrashRepository(session)
        await inventory.store(draft("/d/wf"), now=1)
        assert await trash.trash(T.WORKFLOW, "/d/wf", now=2) == 1
        await inventory.store(draft("/d/wf"), now=3)
        assert await trash.restore(T.WORKFLOW, "/d/wf", now=4) == []
        assert await trash.empty(T.WORKFLOW, "/d/wf") == 1
        assert await trash.trashed("/d") == []


async def test_release_and_recall(database: Database) -> None:
    async with database.session() as session:
        inventory, releases = InventoryRepository(session), ReleaseRepository(session)
        await inventory.store(draft("/s/daily", '{"v":1}', T.SCHEDULE), now=1)
        first = await releases.release(T.SCHEDULE, "/s/daily", now=2)
        await inventory.store(draft("/s/daily", '{"v":2}', T.SCHEDULE), now=3)
        assert (await inventory.read(T.SCHEDULE, "/s/daily")).released is False  # type: ignore[union-attr]
        assert await releases.released(T.SCHEDULE, "daily") == first
        second = await releases.release(T.SCHEDULE, "/s/daily", now=4)
        assert second is not None and first is not None
        assert (second.id, second.content, second.created) == (first.id, '{"v":2}', 2)
        assert [r.name for r in await releases.list_released("/s", object_types=[T.SCHEDULE])] == ["daily"]
        assert await releases.release(T.SCHEDULE, "/missing", now=5) is None
        assert await releases.recall(T.SCHEDULE, "daily") is True
        assert await releases.released(T.SCHEDULE, "daily") is None
        assert (await inventory.read(T.SCHEDULE, "/s/daily")).released is False  # type: ignore[union-attr]


async def test_paths_are_case_sensitive_and_wildcards_are_literal(database: Database) -> None:
    async with database.session() as session:
        inventory = InventoryRepository(session)
        await inventory.store(draft("/A/wf"), now=1)
        await inventory.store(draft("/a/wf2"), now=1)
        await inventory.store(draft("/a_b/wf3"), now=1)
        lower = await inventory.list_folder("/a", recursive=True, object_types=[T.WORKFLOW])
        underscore = await inventory.list_folder("/a_", recursive=True)
    assert [c.path for c in lower] == ["/a/wf2"]
    assert underscore == []
