from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.access_key import AccessKey


T = TypeVar("T", bound="CreateAccessKeyResponse")
# the JSON names of the fields the spec declares: any other key is an additional property
_FIELDS = frozenset(
    {
        "accessKey",
        "secret",
    }
)


@_attrs_define
class CreateAccessKeyResponse:
    """Response message for the AccessKeyService.CreateAccessKey.

    Attributes:
        access_key (AccessKey): A single Access Key.
        secret (str): The Access Key secret. After an Access Key has been created it is impossible to
             retrieve its secret again.
    """

    access_key: AccessKey
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_key = self.access_key.to_dict()

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "accessKey": access_key,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.access_key import AccessKey

        access_key = AccessKey.from_dict(src_dict["accessKey"])

        secret = src_dict["secret"]

        create_access_key_response = cls(
            access_key,
            secret,
        )

        if len(src_dict) > 2:
            create_access_key_response.additional_properties = {k: v for k, v in src_dict.items() if k not in _FIELDS}
        return create_access_key_response

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
