"""JOC's permission names (`sos:products:controller:orders:create`) and how grants cover them: a granted name
covers itself and every name below it; an excluded name takes itself and everything below it away again, and
exclusions win. Folder grants limit which inventory and order paths an account sees."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

ALL = "sos:products"


def _covers(granted: str, wanted: str) -> bool:
    return wanted == granted or wanted.startswith(granted + ":")


class Grants(msgspec.Struct, frozen=True, kw_only=True):
    """What the roles of one account grant: permission names, exclusions and folders (empty: every folder)."""

    permissions: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    folders: tuple[tuple[str, bool], ...] = ()  # (folder, recursive)

    def allows(self, wanted: str) -> bool:
        if any(_covers(excluded, wanted) for excluded in self.excluded):
            return False
        return any(_covers(granted, wanted) for granted in self.permissions)

    def sees(self, path: str) -> bool:
        """Whether an object at `path` (`/a/b/name`) or the folder `path` is inside the folder grants."""
        if not self.folders:
            return True
        return any(_in_folder(path, folder, recursive) for folder, recursive in self.folders)


def _in_folder(path: str, folder: str, recursive: bool) -> bool:
    folder = folder.rstrip("/") or "/"
    if path == folder:
        return True
    parent = path.rsplit("/", 1)[0] or "/"
    if parent == folder:
        return True
    return recursive and path.startswith(folder if folder == "/" else folder + "/")


def merged(grants: Iterable[Grants]) -> Grants:
    """The grants of several roles together: permissions add up, folder limits too (no limit wins)."""
    collected = list(grants)
    unlimited = any(not grant.folders for grant in collected)
    return Grants(
        permissions=frozenset(name for grant in collected for name in grant.permissions),
        excluded=frozenset(name for grant in collected for name in grant.excluded),
        folders=() if unlimited else tuple(folder for grant in collected for folder in grant.folders),
    )
