"""The emulator's state and the API's rules, with no HTTP in sight.

Projects hold keys; keys are real credentials (Basic auth, and the subject of issued bearer
tokens); page tokens are signed keyset cursors. All methods expect the caller (the
:class:`~sinch_keys.testing.Emulator`) to hold its lock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sinch_keys.testing._responses import ApiError

_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"


def rfc3339(seconds: float) -> str:
    """RFC 3339 UTC with "Z"; microseconds only when there are any (as protobuf JSON does).

    Example::

        >>> rfc3339(0.0), rfc3339(1.5)
        ('1970-01-01T00:00:00Z', '1970-01-01T00:00:01.500000Z')
    """
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


@dataclass
class StoredKey:
    """One Access Key, secret included (never sent back after creation)."""

    key_id: str
    project_id: str
    display_name: str
    secret: str
    create_time: float
    update_time: float

    @property
    def order(self) -> tuple[float, str]:
        """The list order (createTime, then id), also the keyset cursor."""
        return (self.create_time, self.key_id)

    def to_api(self) -> dict[str, Any]:
        """The API's AccessKey JSON object (no secret)."""
        return {
            "accessKeyId": self.key_id,
            "displayName": self.display_name,
            "projectId": self.project_id,
            "createTime": rfc3339(self.create_time),
            "updateTime": rfc3339(self.update_time),
        }


@dataclass(frozen=True)
class AppliedWrite:
    """One change the store really made (``emu.writes``): the ground truth a safety test
    checks, whatever the client was told.

    ``route`` is ``create``, ``update`` or ``delete``; ``request_index`` the number of
    requests the emulator had logged when the write was applied (so a request with a
    higher index could see it; None for direct set-up writes); ``at`` the emulator's clock.
    """

    route: str
    project_id: str
    key_id: str
    display_name: str
    at: float
    request_index: int | None


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token: whose, and until when (clock seconds)."""

    key_id: str
    expires_at: float


class Store:
    """Projects, keys, tokens and page tokens. Not thread-safe by itself (see module doc)."""

    def __init__(
        self,
        clock: Callable[[], float],
        rng: random.Random,
        max_keys: int,
        token_ttl: float,
        page_token_ttl: float,
        unique_names: bool = True,
    ) -> None:
        self.clock = clock
        self.rng = rng
        self.max_keys = max_keys
        self.token_ttl = token_ttl
        self.page_token_ttl = page_token_ttl
        self.projects: dict[str, dict[str, StoredKey]] = {}
        self.keys_by_id: dict[str, StoredKey] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.issued: list[str] = []  # every token ever issued, revoked ones included
        self.unique_names = unique_names
        self.writes: list[AppliedWrite] = []
        # set by the emulator around each operation: which request a write belongs to
        self.request_index: int | None = None
        # Signs page tokens, so a token the emulator did not issue is "unknown" (400).
        self._page_key = self.rng.getrandbits(256).to_bytes(32, "big")

    # --- identities -------------------------------------------------------------------------

    def new_id(self) -> str:
        """A fresh UUID-shaped key id (reproducible with a seeded rng)."""
        while True:
            key_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            if key_id not in self.keys_by_id:
                return key_id

    def new_secret(self, length: int = 40) -> str:
        """A random secret or token string."""
        return "".join(self.rng.choice(_SECRET_ALPHABET) for _ in range(length))

    def add_key(
        self,
        project_id: str,
        display_name: str,
        key_id: str | None = None,
        secret: str | None = None,
    ) -> StoredKey:
        """Store a key without the API's checks (bootstrap keys, test set-up)."""
        if key_id is not None and key_id in self.keys_by_id:
            raise ValueError(f"key id {key_id!r} already exists")
        now = self.clock()
        key = StoredKey(
            key_id=key_id or self.new_id(),
            project_id=project_id,
            display_name=display_name,
            secret=secret or self.new_secret(),
            create_time=now,
            update_time=now,
        )
        self.projects.setdefault(project_id, {})[key.key_id] = key
        self.keys_by_id[key.key_id] = key
        self._log("create", key)
        return key

    def _log(self, route: str, key: StoredKey) -> None:
        self.writes.append(
            AppliedWrite(
                route,
                key.project_id,
                key.key_id,
                key.display_name,
                self.clock(),
                self.request_index,
            )
        )

    def check_basic(self, key_id: str, secret: str) -> StoredKey | None:
        """The key with this id and secret, or None (constant-time secret comparison)."""
        key = self.keys_by_id.get(key_id)
        if key is None or not hmac.compare_digest(key.secret.encode(), secret.encode()):
            return None
        return key

    def issue_token(self, key: StoredKey) -> str:
        """A bearer token for ``key`` valid for ``token_ttl`` seconds of the clock."""
        token = self.new_secret(48)
        self.tokens[token] = IssuedToken(key.key_id, self.clock() + self.token_ttl)
        self.issued.append(token)
        return token

    def check_bearer(self, token: str) -> StoredKey:
        """The key behind a bearer token; 401 with ``WWW-Authenticate`` if expired/unknown."""
        issued = self.tokens.get(token)
        key = self.keys_by_id.get(issued.key_id) if issued else None
        if issued is None or key is None:
            raise _invalid_token("The access token is unknown")
        if self.clock() >= issued.expires_at:
            raise _invalid_token("The access token expired")
        return key

    def expire_tokens(self) -> None:
        """Make every issued token expired now."""
        now = self.clock()
        self.tokens = {
            t: IssuedToken(i.key_id, min(i.expires_at, now)) for t, i in self.tokens.items()
        }

    # --- the API's rules --------------------------------------------------------------------

    def create(self, project_id: str, display_name: str) -> StoredKey:
        """Create a key: 409 on a duplicate name, 400 FAILED_PRECONDITION over the limit."""
        keys = self.projects.setdefault(project_id, {})
        if self.unique_names and any(k.display_name == display_name for k in keys.values()):
            raise ApiError(409, "An Access Key with this display name already exists")
        if len(keys) >= self.max_keys:
            raise ApiError(
                400, f"Limit of {self.max_keys} Access Keys reached", "FAILED_PRECONDITION"
            )
        return self.add_key(project_id, display_name)

    def get(self, project_id: str, key_id: str) -> StoredKey:
        """The key, or 404 NOT_FOUND."""
        key = self.projects.get(project_id, {}).get(key_id)
        if key is None:
            raise ApiError(404, f"Access Key {key_id} not found")
        return key

    def update(self, project_id: str, key_id: str, display_name: str) -> StoredKey:
        """Rename a key (409 if another key has the name); only updateTime changes."""
        key = self.get(project_id, key_id)
        keys = self.projects[project_id].values()
        if self.unique_names and any(k.display_name == display_name and k is not key for k in keys):
            raise ApiError(409, "An Access Key with this display name already exists")
        key.display_name = display_name
        key.update_time = self.clock()
        self._log("update", key)
        return key

    def delete(self, project_id: str, key_id: str) -> None:
        """Delete a key; its secret and every token issued to it stop working at once."""
        key = self.get(project_id, key_id)
        self._log("delete", key)
        del self.projects[project_id][key_id]
        del self.keys_by_id[key_id]
        self.tokens = {t: i for t, i in self.tokens.items() if i.key_id != key_id}

    def sorted_keys(self, project_id: str) -> list[StoredKey]:
        """The project's keys in list order."""
        return sorted(self.projects.get(project_id, {}).values(), key=lambda k: k.order)

    def list_page(
        self, project_id: str, page_size: int, page_token: str
    ) -> tuple[list[StoredKey], str]:
        """One page after the token's cursor, and the next token ("" on the last page).

        Keyset pagination: the cursor is the (createTime, id) of the last key served, so keys
        created or deleted between pages never shift the keys that stayed.
        """
        keys = self.sorted_keys(project_id)
        if page_token:
            cursor = self._read_page_token(project_id, page_token)
            keys = [k for k in keys if k.order > cursor]
        page = keys[:page_size]
        more = len(keys) > page_size
        return page, (self._make_page_token(project_id, page[-1]) if more else "")

    def _make_page_token(self, project_id: str, last: StoredKey) -> str:
        payload = {
            "p": project_id,
            "t": last.create_time,
            "i": last.key_id,
            "e": self.clock() + self.page_token_ttl,
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def _read_page_token(self, project_id: str, token: str) -> tuple[float, str]:
        try:
            raw_b64, sig_b64 = token.split(".")
            raw = _unb64(raw_b64)
            if not hmac.compare_digest(_unb64(sig_b64), self._sign(raw)):
                raise ValueError("bad signature")
            payload = json.loads(raw)
            cursor = (float(payload["t"]), str(payload["i"]))
            expires, project = float(payload["e"]), payload["p"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, "Invalid page token") from None
        if project != project_id:
            raise ApiError(400, "Invalid page token: issued for another project")
        if self.clock() >= expires:
            raise ApiError(400, "Page token expired")
        return cursor

    def _sign(self, raw: bytes) -> bytes:
        return hmac.new(self._page_key, raw, hashlib.sha256).digest()[:16]


def _invalid_token(description: str) -> ApiError:
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return ApiError(401, description, headers={"www-authenticate": challenge})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
