from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.protobuf_any import ProtobufAny


T = TypeVar("T", bound="ErrorError")
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "code",
        "details",
        "message",
        "status",
    }
)


@_attrs_define
class ErrorError:
    """
    Attributes:
        code (int | Unset):
        details (list[ProtobufAny] | Unset):
        message (str | Unset):
        status (str | Unset):
    """

    code: int | Unset = UNSET
    details: list[ProtobufAny] | Unset = UNSET
    message: str | Unset = UNSET
    status: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        details: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.details, Unset):
            details = []
            for details_item_data in self.details:
                details_item = details_item_data.to_dict()
                details.append(details_item)

        message = self.message

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if details is not UNSET:
            field_dict["details"] = details
        if message is not UNSET:
            field_dict["message"] = message
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.protobuf_any import ProtobufAny

        code = src_dict.get("code", UNSET)

        _details = src_dict.get("details", UNSET)
        details: list[ProtobufAny] | Unset = UNSET
        if _details is not UNSET:
            details = list(map(ProtobufAny.from_dict, _details))

        message = src_dict.get("message", UNSET)

        status = src_dict.get("status", UNSET)

        error_error = cls(
            code,
            details,
            message,
            status,
        )

        if not _FIELDS.issuperset(src_dict):
            error_error.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return error_error

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
