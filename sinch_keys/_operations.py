"""The five operations (and rotation) as I/O-free flows, shared by the sync and async client.

A flow is a generator: it yields a :class:`~sinch_keys._base.Call`, the client sends it
(with retries) and sends back the response, or throws in the error. The sync client drives
flows with a loop, the async client with the same loop and ``await``: every rule about
validation, parsing, the create outcome and the rotation order lives here once.

Requests are described by the generated client's own ``_get_kwargs`` (path encoding, query
names, body serialisation); the facade sends them itself so that every response, whatever its
status or body, goes through one error mapping.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from sinch_keys_api.api.access_key import (
    access_key_service_create_access_key as create_op,
)
from sinch_keys_api.api.access_key import (
    access_key_service_delete_access_key as delete_op,
)
from sinch_keys_api.api.access_key import (
    access_key_service_get_access_key as get_op,
)
from sinch_keys_api.api.access_key import (
    access_key_service_list_access_keys as list_op,
)
from sinch_keys_api.api.access_key import (
    access_key_service_update_access_key as update_op,
)
from sinch_keys_api.models import (
    AccessKey,
    CreateAccessKey,
    CreateAccessKeyResponse,
    ListAccessKeysResponse,
    UpdateAccessKey,
)
from sinch_keys_api.types import UNSET

from sinch_keys._auth import parse_token_response
from sinch_keys._errors import (
    APIResponseValidationError,
    CreateOutcomeUnknownError,
    RotationError,
    SelfDeleteError,
    SinchKeysError,
)
from sinch_keys._models import CreatedAccessKey
from sinch_keys._pagination import next_token
from sinch_keys._retry import RetryKind, outcome_unknown
from sinch_keys._secrets import SecretStr
from sinch_keys._validation import (
    MAX_PAGE_SIZE,
    check_display_name,
    check_id,
    check_page_size,
    check_page_token,
)

if TYPE_CHECKING:
    from sinch_keys._base import BaseClient, Call, NotGiven, TimeoutOption

T = TypeVar("T")
Flow = Generator["Call", httpx.Response, T]

MAX_KEYS_PER_PROJECT = 10


class Options:
    """Per-call settings: ``timeout`` and ``max_retries`` (NOT_GIVEN/None: the client's)."""

    __slots__ = ("max_retries", "timeout")

    def __init__(self, timeout: TimeoutOption | NotGiven, max_retries: int | None) -> None:
        self.timeout = timeout
        self.max_retries = max_retries


def parse(response: httpx.Response, from_dict: Callable[[Any], T]) -> T:
    """Parse a 2xx body with a generated model; a body that does not fit raises
    :class:`APIResponseValidationError`, never a bare KeyError or JSONDecodeError."""
    try:
        return from_dict(response.json())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise APIResponseValidationError(response, _problem(exc)) from None


def get(
    client: BaseClient, access_key_id: Any, project_id: Any, options: Options
) -> Flow[AccessKey]:
    """Fetch one key."""
    kwargs = get_op._get_kwargs(
        client._project(project_id), check_id("access_key_id", access_key_id)
    )
    response = yield client._call(
        kwargs, RetryKind.IDEMPOTENT, timeout=options.timeout, max_retries=options.max_retries
    )
    return parse(response, AccessKey.from_dict)


def update(
    client: BaseClient, access_key_id: Any, display_name: Any, project_id: Any, options: Options
) -> Flow[AccessKey]:
    """Rename one key (PATCH is idempotent: retried like a read)."""
    kwargs = update_op._get_kwargs(
        client._project(project_id),
        check_id("access_key_id", access_key_id),
        body=UpdateAccessKey(display_name=check_display_name(display_name)),
    )
    response = yield client._call(
        kwargs, RetryKind.IDEMPOTENT, timeout=options.timeout, max_retries=options.max_retries
    )
    return parse(response, AccessKey.from_dict)


def delete(
    client: BaseClient,
    access_key_id: Any,
    project_id: Any,
    allow_self_delete: bool,
    options: Options,
) -> Flow[None]:
    """Delete one key, refusing the client's own key unless allowed."""
    project = client._project(project_id)
    key_id = check_id("access_key_id", access_key_id)
    if not allow_self_delete and client._is_own_key(key_id):
        raise SelfDeleteError(
            f"refusing to delete access key {key_id}: this client authenticates with it, and "
            f"deleting it locks the caller out. Pass allow_self_delete=True to do it anyway."
        )
    yield client._call(
        delete_op._get_kwargs(project, key_id),
        RetryKind.DELETE,
        timeout=options.timeout,
        max_retries=options.max_retries,
    )


def list_page(
    client: BaseClient,
    project_id: Any,
    page_size: Any,
    page_token: Any,
    extra_query: Mapping[str, Any] | None,
    options: Options,
) -> Flow[ListAccessKeysResponse]:
    """Fetch one page of keys."""
    token = check_page_token(page_token)
    kwargs = list_op._get_kwargs(
        client._project(project_id),
        page_size=check_page_size(page_size),
        page_token=UNSET if token is None else token,
    )
    response = yield client._call(
        kwargs,
        RetryKind.IDEMPOTENT,
        timeout=options.timeout,
        max_retries=options.max_retries,
        extra_query=extra_query,
    )
    page = parse(response, ListAccessKeysResponse.from_dict)
    if token is not None and page.next_page_token == token:
        raise APIResponseValidationError(response, "nextPageToken repeats the token just sent")
    return page


def create(
    client: BaseClient, display_name: Any, project_id: Any, options: Options
) -> Flow[CreatedAccessKey]:
    """Create a key. Never retried once it may have taken effect; never returns a key without
    its secret: an unknown outcome is settled by looking the key up by its unique name."""
    name = check_display_name(display_name)
    project = client._project(project_id)
    kwargs = create_op._get_kwargs(project, body=CreateAccessKey(display_name=name))
    call = client._call(
        kwargs, RetryKind.CREATE, timeout=options.timeout, max_retries=options.max_retries
    )
    try:
        response = yield call
        created = parse(response, CreateAccessKeyResponse.from_dict)
        if not isinstance(created.secret, str) or not created.secret:
            raise APIResponseValidationError(response, "the created key has no secret")
    except SinchKeysError as exc:
        if not outcome_unknown(exc):
            raise
        cause = exc
    else:
        return CreatedAccessKey(
            access_key=created.access_key,
            secret=SecretStr(created.secret),
            additional_properties=created.additional_properties,
        )
    try:
        keys = yield from all_keys(client, project, Options(options.timeout, None))
    except SinchKeysError as lookup_error:
        raise CreateOutcomeUnknownError(name, cause, None, lookup_error) from cause
    # display names are unique in a project: the key by this name is the one created
    found = next((key for key in keys if key.display_name == name), None)
    raise CreateOutcomeUnknownError(name, cause, found) from cause


def all_keys(client: BaseClient, project: str, options: Options) -> Flow[list[AccessKey]]:
    """Every key of the project (at most a handful: the API caps a project at 10 keys)."""
    keys: list[AccessKey] = []
    token: str | None = None
    while True:
        page = yield from list_page(client, project, MAX_PAGE_SIZE, token, None, options)
        keys.extend(page.access_keys)
        token = next_token(page)
        if token is None:
            return keys


def rotate(
    client: BaseClient,
    access_key_id: Any,
    display_name: Any,
    project_id: Any,
    allow_self_rotation: bool,
    options: Options,
) -> Flow[CreatedAccessKey]:
    """Replace a key: create the new one, prove it works, only then delete the old one.

    Any failure leaves the account as it was (the new key, if created, is deleted again;
    the old key is never deleted unless the new one works) and raises RotationError.
    """
    project = client._project(project_id)
    old_id = check_id("access_key_id", access_key_id)
    if display_name is not None:
        check_display_name(display_name)
    is_self = client._is_own_key(old_id)
    if is_self and not allow_self_rotation:
        raise RotationError(
            "preflight",
            f"access key {old_id} is the key this client authenticates with; pass "
            f"allow_self_rotation=True to rotate it (the client then switches to the new key)",
        )
    try:
        old = yield from get(client, old_id, project, options)
        existing = len((yield from all_keys(client, project, options)))
    except SinchKeysError as exc:
        raise RotationError("preflight", str(exc), exc) from exc
    if existing >= MAX_KEYS_PER_PROJECT:
        raise RotationError(
            "preflight",
            f"project {project} already has {existing} access keys, the limit is "
            f"{MAX_KEYS_PER_PROJECT}: delete an unused key first (nothing was changed)",
        )
    name = display_name if display_name is not None else _rotated_name(old.display_name)
    try:
        created = yield from create(client, name, project, options)
    except CreateOutcomeUnknownError as exc:
        deleted = exc.access_key is not None and (
            yield from _discard(client, project, exc.access_key.access_key_id, options)
        )
        raise RotationError("create", str(exc), exc, deleted) from exc
    except SinchKeysError as exc:
        raise RotationError("create", str(exc), exc) from exc

    new_id = created.access_key.access_key_id
    step = "token" if client.auth_kind == "oauth2" else "verify"
    auth: httpx.Auth
    try:
        secret = created.secret.get_secret_value()
        if client.auth_kind == "oauth2":
            token_response = yield client._token_call(new_id, secret)
            token = parse_token_response(token_response, client._clock)
            step, auth = "verify", _BearerAuth(token.value)
        else:
            auth = httpx.BasicAuth(new_id, secret)
        kwargs = get_op._get_kwargs(project, new_id)
        yield client._call(kwargs, RetryKind.IDEMPOTENT, timeout=options.timeout, auth=auth)
        step = "delete_old"
        yield from delete(client, old_id, project, True, options)
    except SinchKeysError as exc:
        deleted = yield from _discard(client, project, new_id, options)
        raise RotationError(step, _failure_text(exc, new_id, deleted), exc, deleted) from exc
    if is_self:
        client._switch_credentials(new_id, secret)
    return created


def _discard(client: BaseClient, project: str, key_id: str, options: Options) -> Flow[bool]:
    try:
        yield from delete(client, key_id, project, True, options)
    except SinchKeysError:
        return False
    return True


def _failure_text(exc: SinchKeysError, new_id: str, deleted: bool) -> str:
    if deleted:
        return f"{exc}; the new key {new_id} was deleted again and the old key is untouched"
    return f"{exc}; the new key {new_id} could NOT be deleted again: delete it yourself"


def _rotated_name(old_name: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{old_name} (rotated {stamp})"


def _problem(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing required field {exc.args[0]!r}"
    if isinstance(exc, ValueError) and type(exc).__name__ == "JSONDecodeError":
        return "body is not valid JSON"
    return f"{type(exc).__name__}: {exc}"


class _BearerAuth(httpx.Auth):
    """A fixed bearer token (the verify step of a rotation uses the new key's token)."""

    def __init__(self, token: str) -> None:
        self._header = "Bearer " + token

    def __repr__(self) -> str:
        return "<_BearerAuth>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._header
        yield request
