"""Request bodies of the inventory endpoints, modelled on JOC's request schemas (api/schemas/inventory/...)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.db.enums import ChangeState, ConfigurationType

ControllerIdField = Field(default=None, max_length=100)


class ObjectRef(Audited):
    """JOC's common request filter: an object by `id` or by `path` and `objectType`."""

    controller_id: str | None = ControllerIdField
    id: int | None = Field(default=None, ge=0)
    path: str | None = Field(default=None, max_length=255)
    object_type: ConfigurationType | None = None

    @model_validator(mode="after")
    def _identified(self) -> ObjectRef:
        if self.id is None and (self.path is None or self.object_type is None):
            raise ValueError("either id or path and objectType are required")
        return self


class StoreRequest(Audited):
    """`/inventory/store`: JOC's ConfigurationObject."""

    id: int | None = Field(default=None, ge=0)
    path: str = Field(max_length=255)
    object_type: ConfigurationType
    name: str | None = Field(default=None, max_length=255)
    configuration: dict[str, Any] | None = None
    valid: bool | None = None
    deployed: bool | None = None
    released: bool | None = None
    configuration_date: str | None = None
    delivery_date: str | None = None


class ReadRequest(ObjectRef):
    """`/inventory/read/configuration`."""

    commit_id: str | None = Field(default=None, max_length=255)
    with_positions: bool | None = None


class FolderRequest(Audited):
    """JOC's common folder request (`/inventory/read/folder`, `/inventory/trash/delete/folder`, …)."""

    controller_id: str | None = ControllerIdField
    path: str = Field(max_length=255)
    recursive: bool = False
    object_types: list[ConfigurationType] | None = None
    only_valid_objects: bool = False


class RemoveFolderRequest(Audited):
    """`/inventory/remove/folder`."""

    path: str = Field(max_length=255)
    cancel_orders_date_from: str | None = Field(default=None, max_length=255)


class ObjectsRequest(Audited):
    """JOC's request filters: several objects."""

    objects: list[ObjectRef] = Field(min_length=1)


class RemoveRequest(ObjectsRequest):
    """`/inventory/remove`."""

    cancel_orders_date_from: str | None = Field(default=None, max_length=255)


class RenameRequest(ObjectRef):
    """`/inventory/rename`: a new name (same folder) or a new path."""

    new_path: str = Field(min_length=1, max_length=255)


class RestoreRequest(ObjectRef):
    """`/inventory/trash/restore`."""

    new_path: str | None = Field(default=None, max_length=255)
    prefix: str | None = Field(default=None, max_length=100)
    suffix: str | None = Field(default=None, max_length=100)


class ReleaseRequest(Audited):
    """`/inventory/release`: drafts to release (`update`) and releases to delete (`delete`)."""

    update: list[ObjectRef] = []
    delete: list[ObjectRef] = []
    add_orders_date_from: str | None = Field(default=None, max_length=255)
    transaction_id: str | None = Field(default=None, max_length=100)
    include_late: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> ReleaseRequest:
        if not self.update and not self.delete:
            raise ValueError("update or delete is required")
        return self


class Releasable(JocModel):
    path: str = Field(max_length=255)
    object_type: ConfigurationType


class RecallRequest(Audited):
    """`/inventory/releasables/recall`."""

    releasables: list[Releasable] = Field(min_length=1)
    keep_orders: bool | None = None
    transaction_id: str | None = Field(default=None, max_length=100)


class TreeRequest(JocModel):
    """`/tree`: JOC's tree filter."""

    controller_id: str | None = ControllerIdField
    types: list[str] = []
    folders: list[dict[str, Any]] = []
    only_valid_objects: bool | None = None
    only_with_assign_reference: bool | None = None
    for_inventory: bool | None = None
    for_inventory_trash: bool | None = None
    for_descriptors: bool | None = None
    for_descriptors_trash: bool | None = None


class DeployableConfiguration(JocModel):
    """JOC's publish configuration: a deployable object (or a folder of them)."""

    path: str = Field(max_length=255)
    object_type: ConfigurationType
    commit_id: str | None = Field(default=None, max_length=255)
    recursive: bool | None = None


class Config(JocModel):
    configuration: DeployableConfiguration


class Deployables(JocModel):
    """Drafts to deploy and deployed objects to deploy again."""

    draft_configurations: list[Config] = []
    deploy_configurations: list[Config] = []


class DeployDelete(JocModel):
    deploy_configurations: list[Config] = Field(min_length=1)


class DeployRequest(Audited):
    """`/inventory/deployment/deploy`."""

    controller_ids: list[str] = Field(min_length=1)
    store: Deployables | None = None
    delete: DeployDelete | None = None
    add_orders_date_from: str | None = Field(default=None, max_length=255)
    transaction_id: str | None = Field(default=None, max_length=100)
    include_late: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> DeployRequest:
        if self.store is None and self.delete is None:
            raise ValueError("store or delete is required")
        return self


class RevokeRequest(Audited):
    """`/inventory/deployment/revoke`."""

    controller_ids: list[str] = Field(min_length=1)
    deploy_configurations: list[Config] = Field(min_length=1)
    cancel_orders_date_from: str | None = Field(default=None, max_length=255)
    transaction_id: str | None = Field(default=None, max_length=100)


class ExportFile(JocModel):
    filename: str = Field(max_length=255, pattern=r'^[^/\\<>?:"|*]*$')
    format: str = Field(default="ZIP", pattern="^(ZIP|TAR_GZ)$")


class ExportConfigurations(JocModel):
    """Drafts, deployed or released objects to export (all exported as their current JOC JSON)."""

    draft_configurations: list[Config] = []
    deploy_configurations: list[Config] = []
    released_configurations: list[Config] = []
    without_invalid: bool | None = None


class ExportShallowCopy(JocModel):
    deployables: ExportConfigurations | None = None
    releasables: ExportConfigurations | None = None
    incl_all_tags: bool | None = None


class ExportForSigning(JocModel):
    """exportForSigningFilter-schema: deployables as one Controller will get them."""

    controller_id: str = Field(min_length=1, max_length=100)
    deployables: Deployables


class ExportRequest(Audited):
    """`/inventory/export`."""

    export_file: ExportFile
    shallow_copy: ExportShallowCopy | None = None
    for_signing: ExportForSigning | None = None
    start_folder: str | None = Field(default=None, max_length=255)
    use_short_path: bool | None = None


class FolderShallowCopy(JocModel):
    folders: list[str] = Field(min_length=1)
    object_types: list[ConfigurationType] = Field(min_length=1)
    recursive: bool | None = None
    only_valid_objects: bool | None = None
    without_drafts: bool | None = None
    without_deployed: bool | None = None
    without_released: bool | None = None
    incl_all_tags: bool | None = None


class ExportFolderRequest(Audited):
    """`/inventory/export/folder`."""

    export_file: ExportFile
    shallow_copy: FolderShallowCopy | None = None
    for_signing: dict[str, Any] | None = None
    use_short_path: bool | None = None


class ImportParams(Audited):
    """The form fields of `/inventory/import` and `/inventory/deployment/import_deploy` (for the audit log)."""

    format: str
    overwrite: bool = True
    target_folder: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    controller_id: str | None = None
    signature_algorithm: str | None = None


class ChangeItem(JocModel):
    """An inventory object in a change (change-item-schema), by name (or path) and type."""

    name: str = Field(min_length=1, max_length=255)
    path: str | None = Field(default=None, max_length=255)
    object_type: ConfigurationType
    valid: bool | None = None
    deployed: bool | None = None
    released: bool | None = None


class ChangeIdentifier(JocModel):
    """A change by name, with its title and state (change-identifier-schema)."""

    name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(default=None, max_length=255)
    state: ChangeState | None = None


class ChangeObject(ChangeIdentifier):
    """A change as JOC answers it (change-schema); in requests only its name counts."""

    created: str | None = None
    modified: str | None = None
    closed: str | None = None
    owner: str | None = Field(default=None, max_length=255)
    last_published_by: str | None = Field(default=None, max_length=255)
    configurations: list[ChangeItem] | None = None


class StoreChangeRequest(Audited):
    """`/inventory/changes/store`."""

    store: ChangeIdentifier


class AddToChangeRequest(Audited):
    """`/inventory/change/add`."""

    change: ChangeIdentifier
    add: list[ChangeItem] = Field(min_length=1)


class RemoveFromChangeRequest(Audited):
    """`/inventory/change/remove`."""

    change: ChangeObject
    remove: list[ChangeItem] = Field(min_length=1)


class DeleteChangesRequest(Audited):
    """`/inventory/changes/delete`."""

    changes: list[ChangeObject] = Field(min_length=1)


class TimeSpan(JocModel):
    """From (and to) as JOC's timestampWithNow: `now`, `now + HH:MM[:SS]`, `now + SECONDS` or a date."""

    from_: str = Field(alias="from", max_length=255)
    to: str | None = Field(default=None, max_length=255)


class ShowChangesRequest(JocModel):
    """`/inventory/changes` (showChangesFilter-schema)."""

    names: list[str] | None = None
    states: list[ChangeState] | None = None
    owner: str | None = Field(default=None, max_length=255)
    last_published_by: str | None = Field(default=None, max_length=255)
    created: TimeSpan | None = None
    modified: TimeSpan | None = None
    closed: TimeSpan | None = None
    details: bool = False


class RedeployRequest(Audited):
    """`/inventory/deployment/redeploy` (redeployFilter-schema; a folder narrows it, as for synchronize)."""

    controller_id: str = Field(min_length=1, max_length=100)
    folder: str = Field(default="/", max_length=255)
    recursive: bool = True


class SynchronizeRequest(Audited):
    """`/inventory/deployment/synchronize` (redeploySyncFilter-schema)."""

    controller_id: str = Field(min_length=1, max_length=100)
    folder: str = Field(max_length=255)
    recursive: bool = False
