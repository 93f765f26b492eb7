"""`stellwerk export FOLDER --output FILE`: the inventory objects of a folder (and below) as a JS7 archive
(zip or tar.gz) from `/inventory/export/folder`, the format JOC imports."""

from __future__ import annotations

from pathlib import Path

import click

from stellwerk.cli.client.session import Session, operator_command

OBJECT_TYPES = ["WORKFLOW", "JOBRESOURCE", "LOCK", "NOTICEBOARD", "FILEORDERSOURCE", "WORKINGDAYSCALENDAR",
                "NONWORKINGDAYSCALENDAR", "SCHEDULE", "JOBTEMPLATE"]  # fmt: skip


@operator_command(None, "export")
@click.argument("folder", default="/")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The archive to write.")  # fmt: skip
@click.option("--format", "archive_format", type=click.Choice(["zip", "tar.gz"]), default="zip", show_default=True, help="The archive's format.")  # fmt: skip
def export_command(session: Session, folder: str, output: Path, archive_format: str) -> None:
    """Export the inventory objects of FOLDER (default: all) into an archive."""
    body = {
        "exportFile": {"filename": output.name, "format": "ZIP" if archive_format == "zip" else "TAR_GZ"},
        "shallowCopy": {"folders": [folder], "objectTypes": OBJECT_TYPES, "recursive": True},
    }
    data = session.client.download("/inventory/export/folder", body)
    output.write_bytes(data)
    session.emit({"file": str(output), "bytes": len(data)}, lambda: f"Exported {folder} to {output} ({len(data)} bytes)")  # fmt: skip
