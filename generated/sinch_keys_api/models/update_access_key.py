from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UpdateAccessKey")
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "displayName",
    }
)


@_attrs_define
class UpdateAccessKey:
    """Update Access Key request.

    Attributes:
        display_name (str): Required. The display name for this Access Key. It must be unique for the resource tied to
            the key.
    """

    display_name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        display_name = self.display_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "displayName": display_name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        display_name = src_dict["displayName"]

        update_access_key = cls(
            display_name,
        )

        if len(src_dict) > 1:
            update_access_key.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return update_access_key

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
