from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_key import AccessKey


T = TypeVar("T", bound="ListAccessKeysResponse")
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "accessKeys",
        "nextPageToken",
    }
)


@_attrs_define
class ListAccessKeysResponse:
    """Response message for the AccessKeyService.ListAccessKeysRequest.

    Attributes:
        access_keys (list[AccessKey]): Collection of Access Keys.
        next_page_token (str | Unset): The next pagination token, or an empty value if there are no more results.
    """

    access_keys: list[AccessKey]
    next_page_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_keys = []
        for access_keys_item_data in self.access_keys:
            access_keys_item = access_keys_item_data.to_dict()
            access_keys.append(access_keys_item)

        next_page_token = self.next_page_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accessKeys": access_keys,
            }
        )
        if next_page_token is not UNSET:
            field_dict["nextPageToken"] = next_page_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.access_key import AccessKey

        access_keys = list(map(AccessKey.from_dict, src_dict["accessKeys"]))

        next_page_token = src_dict.get("nextPageToken", UNSET)

        list_access_keys_response = cls(
            access_keys,
            next_page_token,
        )

        if not _FIELDS.issuperset(src_dict):
            list_access_keys_response.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return list_access_keys_response

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
