"""The five operations (and rotation) as I/O-free flows, shared by the sync and async client.

A flow is a generator: through the retry loop (``_retry.send``) it yields "send this request
once" and "sleep this long", and gets back what each attempt produced. The sync client drives
flows with a loop, the async client with the same loop and ``await``: every rule about
validation, parsing and the outcome of each step lives here once, and every decision about
what an outcome means is named in ``_outcomes``. A single-request operation returns an
:data:`Answer`, its value with the :class:`~sinch_keys._outcomes.Sent` it came from:
``_resources`` hands back the value, or both as an ``APIResponse`` (``with_raw_response``).

Requests are described by the generated client's own ``_get_kwargs`` (path encoding, query
names, body serialisation); the facade sends them itself so that every response, whatever its
status or body, goes through one error mapping.
"""

from __future__ import annotations

import datetime
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

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
from sinch_keys._base import NOT_GIVEN, NotGiven
from sinch_keys._errors import (
    APIResponseValidationError,
    CreateOutcomeUnknownError,
    RotationError,
    SelfDeleteError,
    SinchKeysError,
)
from sinch_keys._models import CreatedAccessKey
from sinch_keys._outcomes import (
    AfterFailedDelete,
    CreateState,
    Delivery,
    RotationStep,
    Sent,
    after_failed_delete,
    create_state,
    delete_already_done,
    find_created,
)
from sinch_keys._pagination import ListedPage, PageWalk, PageWalkError
from sinch_keys._parsing import parse
from sinch_keys._retry import Flow, RetryKind, Sleep, send
from sinch_keys._secrets import SecretStr
from sinch_keys._validation import (
    MAX_PAGE_SIZE,
    check_deadline,
    check_display_name,
    check_headers,
    check_id,
    check_page_size,
    check_page_token,
    check_query,
)

if TYPE_CHECKING:
    from sinch_keys._base import BaseClient, TimeoutOption
    from sinch_keys._deadline import Deadline

T = TypeVar("T")
#: What a single-request operation returns: its value, and the request's :class:`Sent`.
Answer: TypeAlias = tuple[T, Sent]

MAX_KEYS_PER_PROJECT = 10
# The SDK's own walks over a project's keys (create lookup, rotation preflight) use the
# largest page size, so one page holds them all; a server that pages smaller still needs at
# most one page per key. Beyond that, plus a margin, a walk is refused (PageWalk).
OWN_WALK_MAX_PAGES = MAX_KEYS_PER_PROJECT + 5


class Options:
    """Per-call settings: ``timeout``, ``max_retries`` and ``deadline`` (NOT_GIVEN/None:
    the client's), and the ``extra_headers`` and ``extra_query`` every API request of the
    call carries (never a token request: the token endpoint is another service). Checked
    here, before any request, so a multi-request operation is refused whole, not halfway.
    The deadline is fixed when the call sends its first request, and every later request
    of the call (lookups, rotation steps, token fetches) shares it.
    """

    __slots__ = ("_deadline", "_seconds", "extra_headers", "extra_query", "max_retries", "timeout")

    def __init__(
        self,
        timeout: TimeoutOption | NotGiven,
        max_retries: int | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.extra_headers = (
            None if extra_headers is None else check_headers("extra_headers", extra_headers)
        )
        self.extra_query = None if extra_query is None else check_query("extra_query", extra_query)
        self._seconds = deadline if isinstance(deadline, NotGiven) else check_deadline(deadline)
        self._deadline: Deadline | NotGiven | None = NOT_GIVEN

    def deadline(self, client: BaseClient) -> Deadline | None:
        """The call's deadline, fixed on first use."""
        if isinstance(self._deadline, NotGiven):
            self._deadline = client._deadline(self._seconds)
        return self._deadline

    def fresh(self) -> Options:
        """The same settings for another call (its deadline starts when it does)."""
        options = Options(self.timeout, self.max_retries, self.extra_headers, self.extra_query)
        options._seconds = self._seconds
        return options

    def with_client_retries(self, client: BaseClient) -> Options:
        """These options with the client's ``max_retries`` and the same deadline (the create
        lookups' own)."""
        options = Options(self.timeout, None, self.extra_headers, self.extra_query)
        options._deadline = self.deadline(client)
        return options


def request(
    client: BaseClient,
    kwargs: Mapping[str, Any],
    kind: RetryKind,
    options: Options,
    *,
    auth: httpx.Auth | NotGiven | None = None,
) -> Flow[Sent]:
    """Build the call the generated client describes, and send it with retries."""
    call = client._call(
        kwargs,
        kind,
        timeout=options.timeout,
        max_retries=options.max_retries,
        extra_query=options.extra_query,
        extra_headers=options.extra_headers,
        deadline=options.deadline(client),
        **({} if auth is None else {"auth": auth}),
    )
    return (yield from send(call, client.retry_policy))


def get(
    client: BaseClient, access_key_id: Any, project_id: Any, options: Options
) -> Flow[Answer[AccessKey]]:
    """Fetch one key."""
    kwargs = get_op._get_kwargs(
        client._project(project_id), check_id("access_key_id", access_key_id)
    )
    sent = yield from request(client, kwargs, RetryKind.IDEMPOTENT, options)
    return parse(sent.result(), AccessKey.from_dict), sent


def update(
    client: BaseClient, access_key_id: Any, display_name: Any, project_id: Any, options: Options
) -> Flow[Answer[AccessKey]]:
    """Rename one key (PATCH is idempotent: retried like a read)."""
    kwargs = update_op._get_kwargs(
        client._project(project_id),
        check_id("access_key_id", access_key_id),
        body=UpdateAccessKey(display_name=check_display_name(display_name)),
    )
    sent = yield from request(client, kwargs, RetryKind.IDEMPOTENT, options)
    return parse(sent.result(), AccessKey.from_dict), sent


def delete(
    client: BaseClient,
    access_key_id: Any,
    project_id: Any,
    allow_self_delete: bool,
    options: Options,
) -> Flow[Answer[None]]:
    """Delete one key, refusing the client's own key unless allowed. A 404 after an attempt
    that may have deleted it means done (``_outcomes.delete_already_done``): the answer's
    ``Sent`` then holds that NotFoundError."""
    project = client._project(project_id)
    key_id = check_id("access_key_id", access_key_id)
    if not allow_self_delete and client._is_own_key(key_id):
        raise SelfDeleteError(
            f"refusing to delete access key {key_id}: this client authenticates with it, and "
            f"deleting it locks the caller out. Pass allow_self_delete=True to do it anyway."
        )
    sent = yield from _delete(client, project, key_id, options)
    if sent.error is not None and not delete_already_done(sent):
        raise sent.error
    return None, sent


def _delete(client: BaseClient, project: str, key_id: str, options: Options) -> Flow[Sent]:
    kwargs = delete_op._get_kwargs(project, key_id)
    return (yield from request(client, kwargs, RetryKind.IDEMPOTENT, options))


def list_page(
    client: BaseClient,
    project_id: Any,
    page_size: Any,
    page_token: Any,
    options: Options,
    walk: PageWalk,
) -> Flow[Answer[ListedPage]]:
    """Fetch one page of keys, as one step of ``walk``."""
    token = check_page_token(page_token)
    kwargs = list_op._get_kwargs(
        client._project(project_id),
        page_size=check_page_size(page_size),
        page_token=UNSET if token is None else token,
    )
    sent = yield from request(client, kwargs, RetryKind.IDEMPOTENT, options)
    response = sent.result()
    page = ListedPage(response)
    try:
        walk.advance(page)
    except PageWalkError as exc:
        raise APIResponseValidationError(response, str(exc)) from None
    return page, sent


def parsed_page(flow: Flow[Answer[ListedPage]]) -> Flow[Answer[ListAccessKeysResponse]]:
    """``flow``'s page parsed whole, as the generated model."""
    page, sent = yield from flow
    return page.parsed(), sent


def all_keys(client: BaseClient, project: str, options: Options) -> Flow[list[AccessKey]]:
    """Every key of the project (at most a handful: the API caps a project at 10 keys)."""
    keys: list[AccessKey] = []
    walk = PageWalk(max_pages=OWN_WALK_MAX_PAGES)
    token: str | None = None
    while True:
        page, _ = yield from list_page(client, project, MAX_PAGE_SIZE, token, options, walk)
        keys.extend(page.keys())
        token = page.next_page_token
        if token is None:
            return keys


def create(
    client: BaseClient,
    display_name: Any,
    project_id: Any,
    options: Options,
    known_before: frozenset[str] = frozenset(),
) -> Flow[Answer[CreatedAccessKey]]:
    """Create a key. Never retried once it may have taken effect; never returns a key without
    its secret: an outcome it cannot know is settled by looking the key up by its name
    (``_outcomes.create_state``). ``known_before``: ids of keys that existed before, which a
    lookup must not mistake for the new one."""
    name = check_display_name(display_name)
    project = client._project(project_id)
    kwargs = create_op._get_kwargs(project, body=CreateAccessKey(display_name=name))
    sent = yield from request(client, kwargs, RetryKind.CREATE, options)
    created: CreatedAccessKey | None = None
    cause = sent.error
    if sent.response is not None:
        try:
            created = _read_created(sent.response)
        except APIResponseValidationError as exc:
            cause = exc
    state = create_state(sent, readable=created is not None)
    if state is CreateState.CREATED and created is not None:
        return created, sent
    if cause is None:  # not created always comes with a failure; never raise None
        raise RuntimeError("a create that was not returned has no failure to report")
    if state is CreateState.NOT_CREATED:
        raise cause
    found, lookups, lookup_error = yield from _look_for(
        client, project, name, known_before, options
    )
    raise CreateOutcomeUnknownError(
        name,
        cause,
        found,
        lookup_error,
        lookups=lookups,
        applied=sent.delivery is Delivery.APPLIED,
    ) from cause


def _read_created(response: httpx.Response) -> CreatedAccessKey:
    created = parse(response, CreateAccessKeyResponse.from_dict)
    if not isinstance(created.secret, str) or not created.secret:
        raise APIResponseValidationError(response, "the created key has no secret")
    return CreatedAccessKey(
        access_key=created.access_key,
        secret=SecretStr(created.secret),
        additional_properties=created.additional_properties,
    )


def _look_for(
    client: BaseClient, project: str, name: str, known_before: frozenset[str], options: Options
) -> Flow[tuple[AccessKey | None, int, SinchKeysError | None]]:
    """Look for the key an unknown create may have made: at once, then after each of the
    policy's ``recheck_waits`` (a server may apply a request after its client gave up)."""
    lookups = 0
    failure: SinchKeysError | None = None
    for wait in (0.0, *client.retry_policy.recheck_waits):
        if wait > 0:
            yield Sleep(wait)
        lookups += 1
        try:
            keys = yield from all_keys(client, project, options.with_client_retries(client))
        except SinchKeysError as exc:
            failure = exc  # a failed lookup proves nothing: look again after the next wait
            continue
        found = find_created(keys, name, known_before)
        if found is not None:
            return found, lookups, None
        failure = None
    return None, lookups, failure


def rotate(
    client: BaseClient,
    access_key_id: Any,
    display_name: Any,
    project_id: Any,
    allow_self_rotation: bool,
    options: Options,
) -> Flow[CreatedAccessKey]:
    """Replace a key: create the new one, prove it works, only then delete the old one.

    The steps and what each failure leaves are ``_outcomes.RotationStep``; the caller can
    always still authenticate, with the old key or with the new one, whose secret is then in
    the return value or in ``RotationError.new_secret``.
    """
    project = client._project(project_id)
    old_id = check_id("access_key_id", access_key_id)
    if display_name is not None:
        check_display_name(display_name)
    is_self = client._is_own_key(old_id)
    if is_self and not allow_self_rotation:
        raise RotationError(
            RotationStep.PREFLIGHT.value,
            f"access key {old_id} is the key this client authenticates with; pass "
            f"allow_self_rotation=True to rotate it (the client then switches to the new key)",
        )
    try:
        old, _ = yield from get(client, old_id, project, options)
        before = yield from all_keys(client, project, options)
    except SinchKeysError as exc:
        raise RotationError(
            RotationStep.PREFLIGHT.value, f"{exc} (nothing was changed)", exc
        ) from exc
    if len(before) >= MAX_KEYS_PER_PROJECT:
        raise RotationError(
            RotationStep.PREFLIGHT.value,
            f"project {project} already has {len(before)} access keys, the limit is "
            f"{MAX_KEYS_PER_PROJECT}: delete an unused key first (nothing was changed)",
        )
    name = display_name if display_name is not None else _rotated_name(old.display_name)
    known_before = frozenset(key.access_key_id for key in before)
    try:
        created, _ = yield from create(client, name, project, options, known_before)
    except CreateOutcomeUnknownError as exc:
        if exc.access_key is None:
            raise RotationError(
                RotationStep.CREATE.value, f"{exc}; the old key is untouched", exc
            ) from exc
        orphan = exc.access_key.access_key_id
        deleted = yield from _discard(client, project, orphan, options)
        fate = "was deleted again" if deleted else "could NOT be deleted again: delete it"
        raise RotationError(
            RotationStep.CREATE.value,
            f"{exc}; that key {fate}; the old key is untouched",
            exc,
            deleted,
            new_key_id=orphan,
        ) from exc
    except SinchKeysError as exc:
        raise RotationError(RotationStep.CREATE.value, f"{exc} (nothing was changed)", exc) from exc

    new_id = created.access_key.access_key_id
    step = RotationStep.TOKEN if client.auth_kind == "oauth2" else RotationStep.VERIFY
    try:
        new_auth = yield from _new_key_auth(client, created, options)
        step = RotationStep.VERIFY
        verified = yield from request(
            client,
            get_op._get_kwargs(project, new_id),
            RetryKind.IDEMPOTENT,
            options,
            auth=new_auth,
        )
        verified.result()
    except SinchKeysError as exc:
        raise (yield from _roll_back(client, project, created, step, exc, options)) from exc

    removed = yield from _delete(client, project, old_id, options)
    if removed.error is not None and not delete_already_done(removed):
        # Did the delete happen anyway? Ask with the new key, whose credentials work.
        seen = yield from request(
            client,
            get_op._get_kwargs(project, old_id),
            RetryKind.IDEMPOTENT,
            options,
            auth=new_auth,
        )
        decision = after_failed_delete(removed, seen)
        if decision is AfterFailedDelete.ROLL_BACK:
            raise (
                yield from _roll_back(
                    client, project, created, RotationStep.DELETE_OLD, removed.error, options
                )
            ) from removed.error
        if decision is AfterFailedDelete.KEEP_BOTH:
            if is_self:  # the old key may be gone, now or later; the new one is proven
                client._switch_credentials(new_id, created.secret.get_secret_value())
            step = RotationStep.CONFIRM_OLD if seen.error is not None else RotationStep.DELETE_OLD
            state = (
                f"checking whether it still exists failed too ({seen.error})"
                if seen.error is not None
                else "it still exists now, but the failed delete may yet take effect"
            )
            raise RotationError(
                step.value,
                f"deleting the old key {old_id} failed ({removed.error}) and {state}; the new "
                f"key {new_id} is kept and works: its secret is in RotationError.new_secret. "
                f"Delete the old key yourself once nothing uses it"
                + ("; this client now uses the new key" if is_self else ""),
                removed.error,
                new_key_id=new_id,
                new_secret=created.secret,
                new_access_key=created.access_key,
            ) from removed.error
    if is_self:
        client._switch_credentials(new_id, created.secret.get_secret_value())
    return created


def _new_key_auth(
    client: BaseClient, created: CreatedAccessKey, options: Options
) -> Flow[httpx.Auth]:
    """Credentials of the new key, as this client authenticates: a token it fetches itself
    (OAuth2), or the key on each request (basic)."""
    new_id = created.access_key.access_key_id
    if client.auth_kind != "oauth2":
        return httpx.BasicAuth(new_id, created.secret.get_secret_value())
    call = client._token_call(new_id, created.secret, options.deadline(client))
    sent = yield from send(call, client.retry_policy)
    return _BearerAuth(parse_token_response(sent.result(), client._clock).value)


def _roll_back(
    client: BaseClient,
    project: str,
    created: CreatedAccessKey,
    step: RotationStep,
    cause: SinchKeysError,
    options: Options,
) -> Flow[RotationError]:
    """Delete the new key again; only called while the old key is known to exist."""
    new_id = created.access_key.access_key_id
    deleted = yield from _discard(client, project, new_id, options)
    if deleted:
        text = f"{cause}; the new key {new_id} was deleted again and the old key is untouched"
    else:
        text = (
            f"{cause}; the old key is untouched, and the new key {new_id} could NOT be deleted "
            f"again: its secret is in RotationError.new_secret (store it or delete the key)"
        )
    return RotationError(
        step.value,
        text,
        cause,
        deleted,
        new_key_id=new_id,
        new_secret=None if deleted else created.secret,
        new_access_key=None if deleted else created.access_key,
    )


def _discard(client: BaseClient, project: str, key_id: str, options: Options) -> Flow[bool]:
    sent = yield from _delete(client, project, key_id, options)
    return sent.error is None or delete_already_done(sent)


def _rotated_name(old_name: str) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{old_name} (rotated {stamp})"


class _BearerAuth(httpx.Auth):
    """A fixed bearer token (the verify step of a rotation uses the new key's token)."""

    def __init__(self, token: str) -> None:
        self._header = "Bearer " + token

    def __repr__(self) -> str:
        return "<_BearerAuth>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._header
        yield request
