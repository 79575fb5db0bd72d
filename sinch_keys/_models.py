"""The models users see: the generated attrs classes, plus the one type they cannot give.

``AccessKey`` and ``ListAccessKeysResponse`` are the generated classes themselves, so a field
added to the spec reaches users by regeneration alone, and fields the server sends that the
spec lacks are kept in ``additional_properties``. The create response is wrapped, because the
generated class would print the secret in its repr.
"""

from __future__ import annotations

from typing import Any

import attrs
from sinch_keys_api.models import AccessKey, ListAccessKeysResponse

from sinch_keys._secrets import SecretStr

__all__ = ["AccessKey", "CreatedAccessKey", "ListAccessKeysResponse"]


@attrs.frozen
class CreatedAccessKey:
    """A newly created access key and its secret, which the API shows only this once.

    ``str()``/``repr()`` never show the secret; ``secret.get_secret_value()`` does.

    Example::

        created = client.access_keys.create(display_name="ci deploy")
        save_to_vault(created.access_key.access_key_id, created.secret.get_secret_value())
    """

    access_key: AccessKey
    secret: SecretStr
    additional_properties: dict[str, Any] = attrs.field(factory=dict, repr=False)
