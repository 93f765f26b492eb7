"""`/joc/api/inventory/export`, `/export/folder`, `/import` and `/deployment/import_deploy`: JS7 archives
(zip or tar.gz of `folder/name.workflow.json`, …, in JOC's inventory JSON) out of and into the inventory.
An import is all or nothing: a hostile or unreadable entry refuses the whole archive, naming the entry."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from stellwerk.cockpit.api.deployment import require_controllers
from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import MANAGE, VIEW, checked_path, known, ok, revalidate
from stellwerk.cockpit.api.inventory_models import (
    Config,
    ExportFolderRequest,
    ExportForSigning,
    ExportRequest,
    ImportParams,
)
from stellwerk.cockpit.api.models import AuditParams
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.folders import ROOT, folder_of, join, name_of
from stellwerk.cockpit.db.repositories.inventory import Configuration, Draft, InventoryRepository
from stellwerk.cockpit.db.repositories.releases import ReleaseRepository
from stellwerk.cockpit.errors import BadRequest, Conflict, JocError, NotSupported, validation_message
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services import archive
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.deploy import deploy as deploy_items
from stellwerk.cockpit.services.deploy import deploy_signed, for_signing
from stellwerk.cockpit.services.inventory import (
    CALENDARS,
    DEPLOYABLE,
    NAME,
    SUFFIXES,
    Known,
    file_name,
    type_of_file,
    validation,
)
from stellwerk.cockpit.services.signing import (
    SIGNED,
    account_keys,
    security_level,
    verification_certificate,
    verify_detached,
    x509_signature,
)

router = APIRouter(prefix="/joc/api/inventory", tags=["inventory"])


def _archive_answer(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _format(name: str) -> Literal["ZIP", "TAR_GZ"]:
    return "TAR_GZ" if name == "TAR_GZ" else "ZIP"


def _entry_name(configuration: Configuration, start: str | None) -> str:
    folder = configuration.folder
    if start and start != ROOT and (folder == start or folder.startswith(start.rstrip("/") + "/")):
        folder = folder[len(start.rstrip("/")) :] or ROOT
    return join(folder, file_name(configuration.object_type, configuration.name)).lstrip("/")


def _entries(found: list[Configuration], start: str | None) -> list[archive.Entry]:
    return [
        archive.Entry(_entry_name(c, start), c.content.encode())
        for c in found
        if c.object_type in SUFFIXES and c.content is not None
    ]


async def _for_signing(
    cockpit: Cockpit, caller: Caller, wanted: ExportForSigning, start: str | None
) -> list[archive.Entry]:
    """The deployable drafts as the Controller will get them (engine JSON, one new commit), to be signed
    outside the Cockpit and deployed with `/deployment/import_deploy` (security level HIGH)."""
    require_controllers(cockpit, caller, [wanted.controller_id])
    async with cockpit.database.session() as db:
        configs = [*wanted.deployables.draft_configurations, *wanted.deployables.deploy_configurations]
        drafts = [c for c in await _named(db, caller, configs, False) if c.object_type in DEPLOYABLE]
        if not drafts:
            raise BadRequest("$.forSigning.deployables: nothing to export")
        made = await for_signing(db, wanted.controller_id, drafts, await known(db))
    return [archive.Entry(_entry_name(p.draft, start), p.text.encode()) for p in made]


async def _named(
    db: AsyncSession, caller: Caller, configs: list[Config], released: bool
) -> list[Configuration]:
    repository = InventoryRepository(db)
    found: list[Configuration] = []
    for config in configs:
        wanted = config.configuration
        caller.require_folder(wanted.path)
        if wanted.object_type == T.FOLDER:
            found += await repository.list_folder(wanted.path, recursive=wanted.recursive is not False)
            continue
        draft = await repository.read(wanted.object_type, wanted.path)
        if draft is None:
            raise BadRequest(f"No {wanted.object_type.value} at {wanted.path} in the inventory")
        if released:
            release = await ReleaseRepository(db).released(wanted.object_type, draft.name)
            draft = (
                draft if release is None else Configuration(**{**_fields(draft), "content": release.content})
            )
        found.append(draft)
    return [c for c in found if caller.sees(c.path) and c.object_type != T.FOLDER]


def _fields(configuration: Configuration) -> dict[str, Any]:
    return {field: getattr(configuration, field) for field in configuration.__struct_fields__}


@router.post("/export")
async def export(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[ExportRequest, Depends(json_body(ExportRequest))]
) -> Response:
    """An archive of the objects named (drafts, deployed and released ones as they are in the inventory)."""
    caller.require(VIEW)
    if body.for_signing is not None:
        data = await _for_signing(cockpit, caller, body.for_signing, body.start_folder if body.use_short_path else None)  # fmt: skip
        return _archive_answer(
            archive.write(data, _format(body.export_file.format)), body.export_file.filename
        )
    if body.shallow_copy is None:
        raise BadRequest("$: forSigning or shallowCopy is required")
    copy = body.shallow_copy
    async with cockpit.database.session() as db:
        found: list[Configuration] = []
        for part in (copy.deployables, copy.releasables):
            if part is None:
                continue
            chosen = await _named(
                db, caller, [*part.draft_configurations, *part.deploy_configurations], False
            )
            chosen += await _named(db, caller, part.released_configurations, True)
            found += [c for c in chosen if c.valid or not part.without_invalid]
    unique = {(c.object_type, c.path): c for c in found}
    entries = _entries(list(unique.values()), body.start_folder if body.use_short_path else None)
    return _archive_answer(
        archive.write(entries, _format(body.export_file.format)), body.export_file.filename
    )


@router.post("/export/folder")
async def export_folder(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[ExportFolderRequest, Depends(json_body(ExportFolderRequest))],
) -> Response:
    """An archive of the folders' objects of the types asked for."""
    caller.require(VIEW)
    if body.for_signing is not None or body.shallow_copy is None:
        raise NotSupported("$.forSigning: exports of folders for signing are not supported; use /inventory/export")  # fmt: skip
    copy = body.shallow_copy
    kinds = [kind for kind in copy.object_types if kind != T.FOLDER]
    found: list[Configuration] = []
    async with cockpit.database.session() as db:
        for folder in copy.folders:
            checked_path(folder, "$.shallowCopy.folders")
            caller.require_folder(folder)
            found += await InventoryRepository(db).list_folder(folder, recursive=copy.recursive is not False, object_types=kinds)  # fmt: skip
    chosen = [
        c
        for c in found
        if caller.sees(c.path)
        and (c.valid or not copy.only_valid_objects)
        and not (copy.without_deployed and c.deployed)
        and not (copy.without_released and c.released)
        and not (copy.without_drafts and not c.deployed and not c.released)
    ]
    unique = {(c.object_type, c.path): c for c in chosen}
    start = copy.folders[0] if body.use_short_path and len(copy.folders) == 1 else None
    data = archive.write(_entries(list(unique.values()), start), _format(body.export_file.format))
    return _archive_answer(data, body.export_file.filename)


class Upload:
    """A multipart upload: the archive's entries and the form fields as JOC names them."""

    def __init__(self, entries: list[archive.Entry], params: ImportParams) -> None:
        self.entries = entries
        self.params = params


async def _upload(request: Request, required: tuple[str, ...]) -> Upload:
    try:
        form = await request.form(max_files=1, max_fields=32)
    except Exception as error:
        raise BadRequest(f"$: the body is not multipart/form-data ({type(error).__name__})") from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise BadRequest("$.file: the archive is missing")
        data = await file.read()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    finally:
        await form.close()
    for name in required:
        if name not in fields:
            raise BadRequest(f"$.{name}: required")
    time_spent = fields.get("timeSpent")
    try:
        log = AuditParams(comment=fields.get("comment"), ticket_link=fields.get("ticketLink"), time_spent=int(time_spent) if time_spent else None)  # fmt: skip
        params = ImportParams(
            format=fields.get("format", "ZIP"),
            overwrite=_flag(fields.get("overwrite", "true"), "overwrite"),
            target_folder=fields.get("targetFolder"),
            prefix=fields.get("prefix"),
            suffix=fields.get("suffix"),
            controller_id=fields.get("controllerId"),
            signature_algorithm=fields.get("signatureAlgorithm"),
            audit_log=log,
        )
    except ValidationError as error:
        raise BadRequest(validation_message(error.errors())) from None
    except ValueError:
        raise BadRequest("$.timeSpent: not a number") from None
    if params.format not in ("ZIP", "TAR_GZ"):
        raise BadRequest(f"$.format: {params.format!r} is neither ZIP nor TAR_GZ")
    try:
        entries = archive.read(data, "ZIP" if params.format == "ZIP" else "TAR_GZ")
    except archive.BadArchive as error:
        raise BadRequest(str(error)) from None
    return Upload(entries, params)


def _flag(value: str, field: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"$.{field}: {value!r} is neither true nor false")
    return value.lower() == "true"


class Incoming:
    """An archive entry as an inventory object."""

    def __init__(self, entry: str, object_type: T, path: str, content: dict[str, Any]) -> None:
        self.entry = entry
        self.object_type = object_type
        self.path = path
        self.content = content


def incoming(upload: Upload) -> list[Incoming]:
    """The archive's objects at their inventory paths (target folder, prefix and suffix applied); JOC-400
    naming the entry for anything that is not an inventory object."""
    params = upload.params
    target = checked_path(params.target_folder, "$.targetFolder") if params.target_folder else ROOT
    found = []
    for entry in upload.entries:
        base = entry.name.rsplit("/", 1)[-1]
        if base.startswith(".") or entry.name.endswith(".sig"):
            continue
        try:
            content = json.loads(entry.data)
        except ValueError as error:
            raise BadRequest(f"{entry.name}: malformed JSON: {error}") from None
        kind = (
            type_of_file(entry.name, content)
            if isinstance(content, dict) and entry.name.endswith(".json")
            else None
        )
        if kind is None:
            raise BadRequest(f"{entry.name}: not an inventory object (NAME.workflow.json, NAME.lock.json, …)")
        name = base.removesuffix(".json").rsplit(".", 1)[0]
        name = "-".join(part for part in (params.prefix, name, params.suffix) if part)
        if not NAME.match(name):
            raise BadRequest(f"{entry.name}: {name!r} is not a valid name")
        folder = join(target, folder_of("/" + entry.name).lstrip("/")) if "/" in entry.name else target
        path = checked_path(join(folder, name), f"{entry.name}")
        found.append(Incoming(entry.name, kind, path, content))
    return found


async def store_incoming(db: AsyncSession, caller: Caller, objects: list[Incoming], overwrite: bool, now: int) -> list[Configuration]:  # fmt: skip
    """Stores the objects (an existing one of the same type and name is replaced, or kept when not
    `overwrite`), each validated against the inventory with the archive's objects in it."""
    repository = InventoryRepository(db)
    names = await known(db)
    names = Known(
        workflows={*names.workflows, *(name_of(o.path) for o in objects if o.object_type == T.WORKFLOW)},
        locks={*names.locks, *(name_of(o.path) for o in objects if o.object_type == T.LOCK)},
        boards={*names.boards, *(name_of(o.path) for o in objects if o.object_type == T.NOTICEBOARD)},
        job_resources={
            *names.job_resources,
            *(name_of(o.path) for o in objects if o.object_type == T.JOBRESOURCE),
        },
    )
    stored = []
    for each in objects:
        caller.require_folder(each.path)
        kinds = CALENDARS if each.object_type in CALENDARS else (each.object_type,)
        existing = [e for kind in kinds if (e := await repository.read_by_name(kind, name_of(each.path)))]
        if existing and not overwrite:
            continue
        for old in existing:
            caller.require_folder(old.path)
            if old.object_type != each.object_type:
                raise Conflict(
                    f"{each.entry}: the name is used already by {old.object_type.value} {old.path}"
                )
            if old.path != each.path:
                await repository.rename(old.object_type, old.path, each.path, now)
        invalid = validation(each.object_type, name_of(each.path), each.content, names)
        title = each.content.get("title")
        draft = Draft(object_type=each.object_type, path=each.path, content=json.dumps(each.content), valid=invalid is None, title=title if isinstance(title, str) else None)  # fmt: skip
        stored.append(await repository.store(draft, now))
    await revalidate(db, await known(db))
    return stored


@router.post("/import")
async def import_archive(cockpit: CockpitDep, caller: CallerDep, request: Request) -> dict[str, Any]:
    """Imports a JS7 archive (multipart: file, format, overwrite, targetFolder, prefix, suffix)."""
    caller.require(MANAGE)
    upload = await _upload(request, ("format",))
    objects = incoming(upload)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        stored = await store_incoming(db, caller, objects, upload.params.overwrite, now)
        audited = [(c.object_type.value, c.path) for c in stored]
        await audit(db, caller, "./inventory/import", AuditCategory.INVENTORY, upload.params, now, objects=audited)  # fmt: skip
    return ok()


def check_signatures(upload: Upload, certificate: str | None, now: int) -> None:
    """Every `.json` entry signed by its `.json.sig` with the verification certificate's key, when the archive
    holds signatures; JOC-400 naming the first entry whose signature fails."""
    signatures = {e.name.removesuffix(".sig"): e.data for e in upload.entries if e.name.endswith(".sig")}
    if not signatures:
        return
    if certificate is None:
        raise BadRequest(
            "The archive is signed, but the Cockpit has no certificate to verify signatures with"
        )
    algorithm = upload.params.signature_algorithm or ""
    for entry in upload.entries:
        if entry.name.endswith(".sig") or entry.name.rsplit("/", 1)[-1].startswith("."):
            continue
        signature = signatures.get(entry.name)
        if signature is None:
            raise BadRequest(f"{entry.name}: not signed (no {entry.name}.sig)")
        if problem := verify_detached(entry.data, signature, algorithm, certificate, now):
            raise BadRequest(f"{entry.name}.sig: {problem}")


@router.post("/deployment/import_deploy")
async def import_deploy(cockpit: CockpitDep, caller: CallerDep, request: Request) -> dict[str, Any]:
    """Imports an archive (replacing objects of the same names) and deploys its deployable objects to the
    Controller; the `.sig` files, when present, must verify with the Cockpit's verification certificate."""
    caller.require(MANAGE)
    upload = await _upload(request, ("format", "controllerId", "signatureAlgorithm"))
    controller_id = upload.params.controller_id or ""
    require_controllers(cockpit, caller, [controller_id])
    now = cockpit.now()
    if await _level(cockpit) == "HIGH":
        return await _import_signed(cockpit, caller, upload, controller_id, now)
    objects = incoming(upload)
    async with cockpit.database.session() as db:
        check_signatures(upload, await verification_certificate(db), now)
        stored = await store_incoming(db, caller, objects, True, now)
        deployable = [c for c in stored if c.object_type in DEPLOYABLE]
        refusals = await deploy_items(
            cockpit, db, caller, [controller_id], deployable, [], await known(db), now
        )
        if refusals:
            raise JocError("Deployment refused by " + "; ".join(refusals))
        audited = [(c.object_type.value, c.path) for c in stored]
        await audit(db, caller, "./inventory/deployment/import_deploy", AuditCategory.DEPLOYMENT, upload.params, now, controller_id=controller_id, objects=audited)  # fmt: skip
    return ok()


async def _level(cockpit: Cockpit) -> str:
    async with cockpit.database.session() as db:
        return await security_level(db)


async def _import_signed(
    cockpit: Cockpit, caller: Caller, upload: Upload, controller_id: str, now: int
) -> dict[str, Any]:
    """Security level HIGH: the archive holds the items as exported for signing with a `.sig` each (workflows
    and job resources), signed by the caller's key; they go to the Controller exactly so, and the drafts of
    their names are marked deployed. The inventory is not changed otherwise."""
    signatures = {e.name.removesuffix(".sig"): e.data for e in upload.entries if e.name.endswith(".sig")}
    algorithm = upload.params.signature_algorithm or ""
    async with cockpit.database.session() as db:
        certificate = ((await account_keys(db, caller.account)) or {}).get("certificate")
        if certificate is None:
            raise BadRequest(f"security level HIGH: the account {caller.account} has no certificate (/profile/key/store)")  # fmt: skip
        items = []
        for entry in upload.entries:
            if entry.name.endswith(".sig") or entry.name.rsplit("/", 1)[-1].startswith("."):
                continue
            draft = await _exported_draft(db, caller, entry)
            signature = None
            if draft.object_type in SIGNED:
                if entry.name not in signatures:
                    raise BadRequest(f"{entry.name}: not signed (no {entry.name}.sig)")
                if problem := verify_detached(
                    entry.data, signatures[entry.name], algorithm, certificate, now
                ):
                    raise BadRequest(f"{entry.name}.sig: {problem}")
                signature = x509_signature(algorithm, signatures[entry.name], certificate)
            items.append((draft, entry.data.decode(), signature))
        if not items:
            raise BadRequest("$.file: the archive holds nothing to deploy")
        refusal = await deploy_signed(cockpit, db, caller, controller_id, items, now)
        if refusal is not None:
            raise JocError(f"Deployment refused by {controller_id}: {refusal}")
        audited = [(d.object_type.value, d.path) for d, _, _ in items]
        await audit(db, caller, "./inventory/deployment/import_deploy", AuditCategory.DEPLOYMENT, upload.params, now, controller_id=controller_id, objects=audited)  # fmt: skip
    return ok()


async def _exported_draft(db: AsyncSession, caller: Caller, entry: archive.Entry) -> Configuration:
    """The draft an entry exported for signing was made of (by its type and name); JOC-400 for anything else."""
    try:
        content = json.loads(entry.data)
    except ValueError as error:
        raise BadRequest(f"{entry.name}: malformed JSON: {error}") from None
    kind = type_of_file(entry.name, content) if isinstance(content, dict) else None
    if kind not in DEPLOYABLE:
        raise BadRequest(f"{entry.name}: not a deployable object exported for signing")
    assert kind is not None
    name = entry.name.rsplit("/", 1)[-1].removesuffix(".json").rsplit(".", 1)[0]
    draft = await InventoryRepository(db).read_by_name(kind, name)
    if draft is None:
        raise BadRequest(f"{entry.name}: no {kind.value} {name} in the inventory")
    caller.require_folder(draft.path)
    return draft
