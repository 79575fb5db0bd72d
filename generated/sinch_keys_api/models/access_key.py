from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AccessKey")
_fromisoformat = datetime.datetime.fromisoformat
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "accessKeyId",
        "displayName",
        "projectId",
        "createTime",
        "updateTime",
    }
)


@_attrs_define
class AccessKey:
    """A single Access Key.

    Attributes:
        access_key_id (str): Unique ID for this Access Key.
        display_name (str): The display name for this Access Key. It must be unique for the resource tied to the key.
        project_id (str): The project ID this key is tied to.
        create_time (datetime.datetime): Timestamp when the Access Key was created.
        update_time (datetime.datetime): Timestamp when the Access Key was last modified.
    """

    access_key_id: str
    display_name: str
    project_id: str
    create_time: datetime.datetime
    update_time: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_key_id = self.access_key_id

        display_name = self.display_name

        project_id = self.project_id

        create_time = self.create_time.isoformat()

        update_time = self.update_time.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accessKeyId": access_key_id,
                "displayName": display_name,
                "projectId": project_id,
                "createTime": create_time,
                "updateTime": update_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        access_key_id = src_dict["accessKeyId"]

        display_name = src_dict["displayName"]

        project_id = src_dict["projectId"]

        create_time = _fromisoformat(src_dict["createTime"])

        update_time = _fromisoformat(src_dict["updateTime"])

        access_key = cls(
            access_key_id,
            display_name,
            project_id,
            create_time,
            update_time,
        )

        if len(src_dict) > 5:
            access_key.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return access_key

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
