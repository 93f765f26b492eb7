"""JS7 archives: zip or tar.gz files of `folder/name.<kind>.json` entries (JOC's inventory JSON), written at
export and read at import. Reading refuses what could escape or exhaust the Cockpit: absolute paths, `..`,
links and devices, more than MAX_ENTRIES entries, more than MAX_BYTES unpacked. Pure apart from the bytes."""

from __future__ import annotations

import io
import posixpath
import tarfile
import time
import zipfile
from collections.abc import Sequence
from typing import Literal

import msgspec

Format = Literal["ZIP", "TAR_GZ"]
MAX_ENTRIES = 10_000
MAX_BYTES = 256 * 1024 * 1024


class Entry(msgspec.Struct, frozen=True):
    """One file of an archive: its path inside (no leading slash) and its bytes."""

    name: str
    data: bytes


class BadArchive(ValueError):
    """An archive that cannot be read safely; the message names the entry."""


def write(entries: Sequence[Entry], archive_format: Format) -> bytes:
    """The archive of the entries."""
    buffer = io.BytesIO()
    if archive_format == "ZIP":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for entry in entries:
                archive.writestr(entry.name, entry.data)
    else:
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for entry in entries:
                info = tarfile.TarInfo(entry.name)
                info.size, info.mtime, info.mode = len(entry.data), int(time.time()), 0o644
                tar.addfile(info, io.BytesIO(entry.data))
    return buffer.getvalue()


def read(data: bytes, archive_format: Format) -> list[Entry]:
    """The files of an archive (directories left out); BadArchive for anything unsafe or unreadable."""
    try:
        return _read_zip(data) if archive_format == "ZIP" else _read_tar(data)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        raise BadArchive(f"file: not a {archive_format} archive ({error})") from None


def safe_name(name: str) -> str:
    """The entry's path when it stays inside the archive's root."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise BadArchive(f"{name}: absolute paths are not allowed in an archive")
    if ".." in cleaned.split("/"):
        raise BadArchive(f"{name}: '..' is not allowed in an archive path")
    normal = posixpath.normpath(cleaned)
    if normal in ("", "."):
        raise BadArchive(f"{name}: an entry needs a name")
    return normal


class _Budget:
    def __init__(self) -> None:
        self.entries = 0
        self.bytes = 0

    def take(self, name: str, size: int) -> None:
        self.entries += 1
        self.bytes += size
        if self.entries > MAX_ENTRIES:
            raise BadArchive(f"{name}: the archive has more than {MAX_ENTRIES} entries")
        if self.bytes > MAX_BYTES:
            raise BadArchive(f"{name}: the archive unpacks to more than {MAX_BYTES} bytes")


def _read_zip(data: bytes) -> list[Entry]:
    entries = []
    budget = _Budget()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = safe_name(info.filename)
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            if mode and (mode & 0o170000) not in (0, 0o100000):
                raise BadArchive(f"{info.filename}: links and special files are not allowed in an archive")
            budget.take(info.filename, info.file_size)
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)
            if len(content) > info.file_size:
                raise BadArchive(f"{info.filename}: the entry is larger than it says")
            entries.append(Entry(name, content))
    return entries


def _read_tar(data: bytes) -> list[Entry]:
    entries = []
    budget = _Budget()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            name = safe_name(member.name)
            if member.isdir():
                continue
            if not member.isfile():
                raise BadArchive(f"{member.name}: links and special files are not allowed in an archive")
            budget.take(member.name, member.size)
            extracted = tar.extractfile(member)
            assert extracted is not None
            entries.append(Entry(name, extracted.read()))
    return entries
