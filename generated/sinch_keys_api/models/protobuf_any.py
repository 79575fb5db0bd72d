from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProtobufAny")
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "type_url",
        "value",
    }
)


@_attrs_define
class ProtobufAny:
    """
    Attributes:
        type_url (str | Unset):
        value (str | Unset):
    """

    type_url: str | Unset = UNSET
    value: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_url = self.type_url

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_url is not UNSET:
            field_dict["type_url"] = type_url
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        type_url = src_dict.get("type_url", UNSET)

        value = src_dict.get("value", UNSET)

        protobuf_any = cls(
            type_url,
            value,
        )

        if not _FIELDS.issuperset(src_dict):
            protobuf_any.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return protobuf_any

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
