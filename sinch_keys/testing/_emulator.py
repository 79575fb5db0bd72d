"""The emulator: routing, authentication, fault injection and the request log.

:meth:`Emulator.dispatch` is the one sans-IO core: it turns an ``httpx.Request`` into an
:class:`Outcome` (a response plus "wait this long / drop it / time out"). The in-process
transports and the ASGI app only differ in how they carry the outcome out.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import anyio
import httpx

from sinch_keys.testing._faults import Fault, FaultController
from sinch_keys.testing._responses import ApiError, error_response, json_response
from sinch_keys.testing._store import AppliedWrite, Store, StoredKey

# loopback: a client may send credentials there over plain http (https-only elsewhere), and
# in process nothing is contacted at all
DEFAULT_BASE_URL = "http://localhost"
TOKEN_TYPE = "bearer"  # noqa: S105  # nosec B105  # the auth scheme's name, not a password
TOKEN_PATH = "/oauth2/token"  # noqa: S105  # nosec B105  # a URL path, not a password
DEFAULT_PAGE_SIZE = 100

# What a malformed fault sends: JSON cut off mid-object, under a JSON content type.
MALFORMED_BODY = b'{"accessKeys": [{"accessKeyId": "'
# What an undecodable fault sends under "Content-Encoding: gzip": not gzip at all.
UNDECODABLE_BODY = b"this body claims to be gzip but is not"

_COLLECTION_METHODS = {"GET": "list", "POST": "create"}
_ITEM_METHODS = {"GET": "get", "PATCH": "update", "DELETE": "delete"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the emulator saw (``emu.requests``), faulted or not.

    ``path`` is percent-decoded, ``raw_path`` as sent; ``route`` is one of ``list``,
    ``create``, ``get``, ``update``, ``delete``, ``token`` or None (unknown route or method);
    ``auth`` is the scheme presented (``"bearer"``, ``"basic"`` or None); ``key_id`` the key
    the request presented (Basic user name, or the owner of the bearer token if known);
    ``status`` the status line produced (also for a dropped response); ``fault`` the kind of
    the injected fault, if any. ``headers`` and ``body`` (as sent) are kept too, but left out
    of ``==`` and ``repr`` so records compare on what matters.

    Example::

        assert [r.route for r in emu.requests] == ["token", "list"]
        assert emu.requests[-1].query == {"pageSize": ["5"]}
    """

    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    raw_query: str
    route: str | None
    auth: str | None
    key_id: str | None
    status: int
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    body: bytes = field(default=b"", repr=False, compare=False)


@dataclass
class Outcome:
    """What to send for one request and how: ``delay`` seconds first, then the response,
    or a dropped connection (``drop``), or a read timeout (``timeout``).

    Example::

        outcome = emu.dispatch(request)
        if outcome.drop: ...  # abort the connection your own way
    """

    response: httpx.Response
    delay: float = 0.0
    drop: bool = False
    timeout: bool = False
    refuse: bool = False
    #: the body exactly as sent, when ``response`` is a stream that must not be decoded here
    raw_content: bytes | None = None

    @property
    def content(self) -> bytes:
        """The body bytes to put on the wire."""
        return self.raw_content if self.raw_content is not None else self.response.content


@dataclass
class _Parsed:
    method: str
    raw_path: str
    raw_query: str
    route: str | None
    params: list[str]
    auth: str | None
    claimed_key: str | None
    credential: str | None


@dataclass
class _Deferred:
    """A request a ``Fault(late=...)`` accepted now and performs when ``due``."""

    due: float
    parsed: _Parsed
    request: httpx.Request
    key: StoredKey


class Emulator:
    """An in-memory Access Keys API and OAuth2 token endpoint. Thread-safe.

    It starts with project ``project_id`` and one bootstrap key (``key_id``/``key_secret``,
    random unless given; ``seed`` makes every id, secret and token reproducible). ``clock``
    (default ``time.time``) drives token expiry, timestamps and late faults, so tests can
    move time. ``unique_names=False`` lets a project hold two keys with one display name (a
    server that does not enforce it), so a test of "at most one key per create" can fail.

    Ground truth for safety tests: :attr:`writes` (every change really applied),
    :meth:`settle` (apply what late faults still hold back), :meth:`credentials_work`.

    Example::

        emu = Emulator(project_id="proj-1", seed=1)
        with httpx.Client(transport=emu.transport, base_url=emu.base_url) as http:
            r = http.get("/v1/projects/proj-1/accessKeys", auth=(emu.key_id, emu.key_secret))
        assert r.json()["accessKeys"][0]["accessKeyId"] == emu.key_id
    """

    def __init__(
        self,
        project_id: str = "proj-1",
        key_id: str | None = None,
        key_secret: str | None = None,
        token_ttl: float = 3599.0,
        max_keys: int = 10,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        page_token_ttl: float = 3600.0,
        base_url: str = DEFAULT_BASE_URL,
        unique_names: bool = True,
    ) -> None:
        rng: random.Random = (
            random.Random(seed)  # noqa: S311  # nosec B311  # reproducible test credentials by request
            if seed is not None
            else secrets.SystemRandom()
        )
        self._lock = threading.RLock()
        self._store = Store(
            clock=clock or time.time,
            rng=rng,
            max_keys=max_keys,
            token_ttl=token_ttl,
            page_token_ttl=page_token_ttl,
            unique_names=unique_names,
        )
        self.project_id = project_id
        bootstrap = self._store.add_key(project_id, "Bootstrap key", key_id, key_secret)
        self.key_id = bootstrap.key_id
        self.key_secret = bootstrap.secret
        self.base_url = base_url.rstrip("/")
        self.token_url = self.base_url + TOKEN_PATH
        self.faults = FaultController()
        self.requests: list[RecordedRequest] = []
        self._deferred: list[_Deferred] = []
        self._served = httpx.URL(self.base_url)
        # Look handle/ahandle up per request, so a test may wrap them on the instance.
        self._transport = httpx.MockTransport(lambda request: self.handle(request))
        self._async_transport = httpx.MockTransport(self._ahandle_late_bound)
        self._intercepting = httpx.MockTransport(lambda r: self.handle(r, any_host=True))
        self._async_intercepting = httpx.MockTransport(self._ahandle_any_host)

    def __repr__(self) -> str:
        return f"<Emulator project={self.project_id!r} keys={len(self._store.keys_by_id)}>"

    # --- the public, test-facing API ----------------------------------------------------------

    @property
    def transport(self) -> httpx.BaseTransport:
        """A sync httpx transport (no sockets) serving this emulator.

        Example::

            client = httpx.Client(transport=emu.transport, base_url=emu.base_url)
        """
        return self._transport

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async httpx transport; latency faults ``await`` instead of blocking.

        Example::

            client = httpx.AsyncClient(transport=emu.async_transport, base_url=emu.base_url)
        """
        return self._async_transport

    @property
    def intercepting_transport(self) -> httpx.BaseTransport:
        """Like :attr:`transport`, but serving requests for *any* host, so nothing a client
        sends leaves the process (what :func:`~sinch_keys.testing.emulated` routes to).

        Example::

            client = httpx.Client(transport=emu.intercepting_transport)
        """
        return self._intercepting

    @property
    def async_intercepting_transport(self) -> httpx.AsyncBaseTransport:
        """The async twin of :attr:`intercepting_transport`.

        Example::

            client = httpx.AsyncClient(transport=emu.async_intercepting_transport)
        """
        return self._async_intercepting

    @property
    def token_ttl(self) -> float:
        """Lifetime of new bearer tokens, in clock seconds (settable).

        Example::

            emu.token_ttl = 1.0
        """
        return self._store.token_ttl

    @token_ttl.setter
    def token_ttl(self, value: float) -> None:
        self._store.token_ttl = value

    @property
    def max_keys(self) -> int:
        """Most keys a project may hold (settable).

        Example::

            emu.max_keys = 2
        """
        return self._store.max_keys

    @max_keys.setter
    def max_keys(self, value: int) -> None:
        self._store.max_keys = value

    def count(self, route: str) -> int:
        """How many requests hit ``route`` (faulted ones included).

        Example::

            assert emu.count("token") == 1
        """
        with self._lock:
            return sum(1 for r in self.requests if r.route == route)

    def keys(self, project_id: str | None = None) -> list[dict[str, Any]]:
        """The stored keys of a project (default: the first), in list order, without secrets.

        Example::

            assert [k["displayName"] for k in emu.keys()] == ["Bootstrap key"]
        """
        with self._lock:
            return [k.to_api() for k in self._store.sorted_keys(project_id or self.project_id)]

    def add_project(self, project_id: str) -> tuple[str, str]:
        """Add a project with its own bootstrap key; returns (key_id, key_secret).

        Example::

            other_id, other_secret = emu.add_project("proj-2")
        """
        with self._lock:
            if project_id in self._store.projects:
                raise ValueError(f"project {project_id!r} already exists")
            key = self._store.add_key(project_id, "Bootstrap key")
            return key.key_id, key.secret

    def create_key(
        self, display_name: str, project_id: str | None = None
    ) -> tuple[dict[str, Any], str]:
        """Create a key directly (no HTTP, no faults, no log; the API's rules apply).

        Example::

            key, secret = emu.create_key("ci")
        """
        with self._lock:
            key = self._store.create(project_id or self.project_id, display_name)
            return key.to_api(), key.secret

    @property
    def writes(self) -> list[AppliedWrite]:
        """Every create, update and delete the store really applied, in order (set-up keys
        included): what happened, whatever any client was told.

        Example::

            mark = len(emu.writes)
            ...  # the operation under test
            created = [w for w in emu.writes[mark:] if w.route == "create"]
        """
        with self._lock:
            return list(self._store.writes)

    def settle(self) -> int:
        """Apply now every operation a ``Fault(late=...)`` still holds back, due or not (the
        server finishes what it accepted); returns how many. Check final state after this.

        Example::

            emu.settle()
            assert len([w for w in emu.writes if w.route == "create"]) <= 1
        """
        with self._lock:
            return self._apply_deferred(force=True)

    def issued_tokens(self) -> list[str]:
        """Every bearer token issued so far, expired or revoked ones included (leak checks).

        Example::

            assert all(token not in log_text for token in emu.issued_tokens())
        """
        with self._lock:
            return list(self._store.issued)

    def credentials_work(self, key_id: str, key_secret: str) -> bool:
        """Whether a key with this id and secret exists now (no HTTP, no log, no faults).

        Example::

            assert emu.credentials_work(created.access_key.access_key_id,
                                        created.secret.get_secret_value())
        """
        with self._lock:
            return self._store.check_basic(key_id, key_secret) is not None

    def expire_tokens(self) -> None:
        """Expire every bearer token issued so far (as if their TTL had passed).

        Example::

            emu.expire_tokens()   # the next API call with a cached token gets 401
        """
        with self._lock:
            self._store.expire_tokens()

    # --- transports ---------------------------------------------------------------------------

    def handle(self, request: httpx.Request, any_host: bool = False) -> httpx.Response:
        """Serve one request in process: sleeps for latency, raises for drop/timeout faults.

        A request for another host than :attr:`base_url` fails as a refused connection would,
        unless ``any_host`` (see :attr:`intercepting_transport`).

        Example::

            response = emu.handle(httpx.Request("GET", emu.base_url + "/nope"))
            assert response.status_code == 404
        """
        request.read()
        if not any_host:
            self._check_host(request)
        outcome = self.dispatch(request)
        if outcome.delay > 0:
            time.sleep(outcome.delay)
        _raise_for(outcome, request)
        return outcome.response

    async def ahandle(self, request: httpx.Request, any_host: bool = False) -> httpx.Response:
        """The async twin of :meth:`handle` (latency is an ``await``, not a blocking sleep).

        Example::

            response = await emu.ahandle(httpx.Request("GET", emu.base_url + "/nope"))
        """
        await request.aread()
        if not any_host:
            self._check_host(request)
        outcome = self.dispatch(request)
        if outcome.delay > 0:
            await anyio.sleep(outcome.delay)
        _raise_for(outcome, request)
        return outcome.response

    async def _ahandle_late_bound(self, request: httpx.Request) -> httpx.Response:
        return await self.ahandle(request)

    async def _ahandle_any_host(self, request: httpx.Request) -> httpx.Response:
        return await self.ahandle(request, any_host=True)

    def _check_host(self, request: httpx.Request) -> None:
        # In process there is no DNS: without this check a client pointed at any other host
        # would still reach the emulator, and a test of "where does it send" could not fail.
        url = request.url
        if (url.scheme, url.host, url.port) != (
            self._served.scheme,
            self._served.host,
            self._served.port,
        ):
            raise httpx.ConnectError(
                f"the in-process emulator serves {self.base_url}, not "
                f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}",
                request=request,
            )

    # --- the sans-IO core -----------------------------------------------------------------------

    def dispatch(self, request: httpx.Request) -> Outcome:
        """Decide the outcome of one request, apply its effects, and log it.

        The request body must have been read. Transports call this; tests rarely need to.

        Example::

            outcome = emu.dispatch(httpx.Request("GET", emu.base_url + "/nope"))
            assert outcome.response.status_code == 404
        """
        parsed = _parse(request)
        with self._lock:
            self._apply_deferred(force=False)
            fault = self.faults.take(parsed.route) if parsed.route else None
            key_id = parsed.claimed_key
            self._store.request_index = len(self.requests)
            if fault is not None and fault.late:
                response, key_id = self._defer(parsed, request, key_id, fault)
            elif fault is not None and fault.empty_page and parsed.route == "list":
                body = {"accessKeys": [], "nextPageToken": "empty-" + self._store.new_secret(12)}
                response = json_response(200, body, fault.extra_headers())
            elif fault is not None and not fault.passthrough:
                response = _fault_response(fault, None)
            else:
                response, key_id = self._perform(parsed, request, key_id)
                if fault is not None:
                    response = _fault_response(fault, response)
            self._store.request_index = None
            self.requests.append(
                RecordedRequest(
                    method=parsed.method,
                    path=unquote(parsed.raw_path),
                    raw_path=parsed.raw_path,
                    query=parse_qs(parsed.raw_query, keep_blank_values=True),
                    raw_query=parsed.raw_query,
                    route=parsed.route,
                    auth=parsed.auth,
                    key_id=key_id,
                    status=0 if fault is not None and fault.refuse else response.status_code,
                    fault=fault.kind if fault else None,
                    headers=dict(request.headers),
                    body=request.content,
                )
            )
        if fault is None:
            return Outcome(response)
        return Outcome(
            response,
            delay=fault.latency,
            drop=fault.drop,
            timeout=fault.times_out,
            refuse=fault.refuse,
            raw_content=UNDECODABLE_BODY if fault.undecodable else None,
        )

    def _defer(
        self, parsed: _Parsed, request: httpx.Request, key_id: str | None, fault: Fault
    ) -> tuple[httpx.Response, str | None]:
        """Accept a request now (authenticated as on arrival) and perform it ``fault.late``
        seconds later; the response is what the fault says (a timeout or ``status``)."""
        if parsed.route in (None, "token"):  # nothing to defer: done now, answer lost
            response, key_id = self._perform(parsed, request, key_id)
            return _fault_response(fault, response), key_id
        try:
            key = self._authenticate(parsed)
            if parsed.params[0] != key.project_id:
                raise ApiError(403, "Permission denied")
        except ApiError as exc:
            return exc.to_response(), key_id
        due = self._store.clock() + fault.late
        self._deferred.append(_Deferred(due, parsed, request, key))
        return _fault_response(fault, None), key.key_id

    def _apply_deferred(self, force: bool) -> int:
        now = self._store.clock()
        due = [d for d in self._deferred if force or d.due <= now]
        self._deferred = [d for d in self._deferred if d not in due]
        for deferred in due:
            self._store.request_index = len(self.requests)
            try:
                self._operate(deferred.parsed, deferred.request, deferred.key)
            except ApiError:
                pass  # the client stopped listening long ago: nobody hears the refusal
            finally:
                self._store.request_index = None
        return len(due)

    def _perform(
        self, parsed: _Parsed, request: httpx.Request, key_id: str | None
    ) -> tuple[httpx.Response, str | None]:
        """Run the route's operation; returns the response and the key id to log."""
        try:
            if parsed.route is None:
                _raise_unrouted(parsed)
            if parsed.route == "token":
                return self._token(parsed, request), key_id
            key = self._authenticate(parsed)
            key_id = key.key_id
            if parsed.params[0] != key.project_id:
                raise ApiError(403, "Permission denied")
            return self._operate(parsed, request, key), key_id
        except ApiError as exc:
            return exc.to_response(), key_id

    def _token(self, parsed: _Parsed, request: httpx.Request) -> httpx.Response:
        basic = 'Basic realm="sinch"'
        if parsed.auth != "basic" or parsed.claimed_key is None or parsed.credential is None:
            raise ApiError(401, "Client authentication failed", headers={"www-authenticate": basic})
        key = self._store.check_basic(parsed.claimed_key, parsed.credential)
        if key is None:
            raise ApiError(401, "Client authentication failed", headers={"www-authenticate": basic})
        form = parse_qs(request.content.decode("utf-8", "replace"), keep_blank_values=True)
        if form.get("grant_type") != ["client_credentials"]:
            raise ApiError(400, 'grant_type must be "client_credentials"')
        ttl = self._store.token_ttl
        return json_response(
            200,
            {
                "access_token": self._store.issue_token(key),
                "expires_in": int(ttl) if float(ttl).is_integer() else ttl,
                "token_type": TOKEN_TYPE,
                "scope": "",
            },
            {"cache-control": "no-store"},
        )

    def _authenticate(self, parsed: _Parsed) -> StoredKey:
        if parsed.auth == "bearer" and parsed.credential is not None:
            return self._store.check_bearer(parsed.credential)
        if parsed.auth == "basic" and parsed.claimed_key is not None:
            key = self._store.check_basic(parsed.claimed_key, parsed.credential or "")
            if key is not None:
                return key
            raise ApiError(
                401, "Invalid Access Key id or secret", headers={"www-authenticate": "Basic"}
            )
        raise ApiError(401, "Unauthenticated", headers={"www-authenticate": 'Bearer realm="sinch"'})

    def _operate(self, parsed: _Parsed, request: httpx.Request, key: StoredKey) -> httpx.Response:
        project_id = key.project_id
        store = self._store
        if parsed.route == "list":
            query = parse_qs(parsed.raw_query, keep_blank_values=True)
            page_size = _page_size(query.get("pageSize"))
            page_token = (query.get("pageToken") or [""])[0]
            page, next_token = store.list_page(project_id, page_size, page_token)
            return json_response(
                200, {"accessKeys": [k.to_api() for k in page], "nextPageToken": next_token}
            )
        if parsed.route == "create":
            created = store.create(project_id, _display_name(request.content))
            return json_response(200, {"accessKey": created.to_api(), "secret": created.secret})
        target = parsed.params[1]
        if parsed.route == "get":
            return json_response(200, store.get(project_id, target).to_api())
        if parsed.route == "update":
            name = _display_name(request.content)
            return json_response(200, store.update(project_id, target, name).to_api())
        store.delete(project_id, target)  # may be the calling key itself: allowed, as documented
        return json_response(200, {})


# --- request parsing ----------------------------------------------------------------------------


def _parse(request: httpx.Request) -> _Parsed:
    raw = request.url.raw_path.decode("ascii", "replace")
    raw_path, _, raw_query = raw.partition("?")
    route, params = _route(request.method, raw_path)
    auth, claimed, credential = _parse_authorization(request.headers.get("authorization"))
    return _Parsed(request.method, raw_path, raw_query, route, params, auth, claimed, credential)


def _route(method: str, raw_path: str) -> tuple[str | None, list[str]]:
    """Match the RAW path: split on "/" first, then decode each segment, so an id holding an
    encoded "/" or "?" stays one segment. Returns (route or None, decoded params)."""
    if raw_path == TOKEN_PATH:
        return ("token" if method == "POST" else None), []
    segments = [unquote(s) for s in raw_path.split("/")]
    if segments[:3] != ["", "v1", "projects"] or len(segments) not in (5, 6):
        return None, []
    if segments[4] != "accessKeys" or not all(segments[3:]):
        return None, []
    table = _COLLECTION_METHODS if len(segments) == 5 else _ITEM_METHODS
    return table.get(method), segments[3:4] + segments[5:]


def _raise_unrouted(parsed: _Parsed) -> None:
    """404 for an unknown path, 405 (with Allow) for a known path and a wrong method."""
    methods = ("GET", "POST", "PATCH", "DELETE")
    allowed = [m for m in methods if _route(m, parsed.raw_path)[0] is not None]
    if allowed:
        raise ApiError(
            405, f"Method {parsed.method} not allowed", headers={"allow": ", ".join(allowed)}
        )
    raise ApiError(404, f"No route for {parsed.method} {unquote(parsed.raw_path)}")


def _parse_authorization(header: str | None) -> tuple[str | None, str | None, str | None]:
    """(scheme, claimed key id, secret-or-token) from an Authorization header, unverified."""
    if not header:
        return None, None, None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return "bearer", None, value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "basic", None, None
        user, sep, secret = decoded.partition(":")
        return ("basic", user, secret) if sep and user else ("basic", None, None)
    return None, None, None


def _page_size(values: list[str] | None) -> int:
    if not values:
        return DEFAULT_PAGE_SIZE
    text = values[0].strip()
    # int() alone would accept "1_000" and "+5"; the API takes plain decimal integers.
    if not text.lstrip("-").isdigit() or not text.isascii():
        raise ApiError(400, f"pageSize must be an integer, not {values[0]!r}")
    size = int(text)
    if not 1 <= size <= 1000:
        raise ApiError(400, f"pageSize must be in the range 1-1000, not {size}")
    return size


def _display_name(content: bytes) -> str:
    try:
        body = json.loads(content)
    except ValueError:
        raise ApiError(400, "Malformed JSON request body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    name = body.get("displayName")
    if name is None or name == "":
        raise ApiError(400, "displayName is required")
    if not isinstance(name, str):
        raise ApiError(400, "displayName must be a string")
    if not name.strip():
        raise ApiError(400, "displayName must not be blank")
    return name


# --- faults -------------------------------------------------------------------------------------


def _fault_response(fault: Fault, real: httpx.Response | None) -> httpx.Response:
    """The response a fault sends; ``real`` is the performed operation's (passthrough)."""
    real_status = real.status_code if real is not None else None
    status = fault.response_status(real_status)
    headers = fault.extra_headers()
    if fault.undecodable:
        return httpx.Response(
            status,
            headers={"content-type": "application/json", "content-encoding": "gzip", **headers},
            stream=_RawStream(UNDECODABLE_BODY),
        )
    if fault.malformed or fault.body is not None:
        body = fault.body
        if fault.malformed:
            content = MALFORMED_BODY
        elif isinstance(body, bytes):
            content = body
        elif isinstance(body, str):
            content = body.encode()
        else:
            content = json.dumps(body).encode()
        return httpx.Response(
            status, headers={"content-type": "application/json", **headers}, content=content
        )
    if real is not None and status == real.status_code:
        response = httpx.Response(status, headers=real.headers, content=real.content)
        response.headers.update(headers)
        return response
    return error_response(status, headers=headers)


class _RawStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body httpx decodes only when the client reads it (a plain ``content=`` would be
    decoded, and fail, while the emulator builds the response)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data


def _raise_for(outcome: Outcome, request: httpx.Request) -> None:
    if outcome.refuse:
        raise httpx.ConnectError(
            "emulated connection refused (Fault(refuse=True))", request=request
        )
    if outcome.timeout:
        raise httpx.ReadTimeout("emulated read timeout (Fault(timeout=True))", request=request)
    if outcome.drop:
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            "(emulated drop, Fault(drop=True))",
            request=request,
        )
