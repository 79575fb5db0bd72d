"""The headers a client sends, and the one order in which they merge. No I/O.

For every request, from lowest to highest precedence (a later source replaces a header of
the same name, whatever its case):

1. the headers of the caller's ``http_client``, if one was given (httpx merges them in);
2. the SDK's own: ``User-Agent``, ``Accept: application/json`` and ``Accept-Encoding``;
3. the client's ``default_headers=`` (:meth:`~sinch_keys.SinchKeys.with_options` adds to them);
4. the call's ``extra_headers=``.

``User-Agent`` is never replaced, only extended: the SDK's part,
``sinch-keys/<version> python/<version> httpx/<version>`` followed by ``user_agent_extra``,
always goes out, after the highest-precedence User-Agent the caller gave (its
``http_client``'s, unless that is httpx's own default, its ``default_headers``', or its
``extra_headers``'). So Sinch can always tell which SDK sent a request, and nothing a caller
set is dropped without a word.

The headers the SDK owns (``Authorization``, ``Content-Type``, ``Content-Length``,
``Transfer-Encoding``, ``Host``, ``Accept-Encoding``) are refused in ``default_headers``
and ``extra_headers``
(``_validation.check_headers``), before any request.

Example::

    >>> client_headers({"x-team": "payments"}, "billing-sync/1.4", None)["x-team"]
    'payments'
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import httpx

from sinch_keys._body import ACCEPT_ENCODING
from sinch_keys._version import __version__

USER_AGENT = (
    f"sinch-keys/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"httpx/{httpx.__version__}"
)
# httpx's own default User-Agent ("python-httpx/0.28.1"): set by nobody, so not kept
_HTTPX_DEFAULT_AGENT = "python-httpx/"


def sdk_agent(user_agent_extra: str | None) -> str:
    """The SDK's part of every User-Agent: ours, then the caller's ``user_agent_extra``.

    Example::

        >>> sdk_agent("billing-sync/1.4").endswith(" billing-sync/1.4")
        True
    """
    return f"{USER_AGENT} {user_agent_extra}" if user_agent_extra else USER_AGENT


def caller_agent(http_client: httpx.Client | httpx.AsyncClient | None) -> str | None:
    """The User-Agent a caller's ``http_client`` sets, or None (no client, or httpx's default).

    Example::

        >>> caller_agent(httpx.Client(headers={"User-Agent": "billing/2"}))
        'billing/2'
        >>> caller_agent(httpx.Client()) is None
        True
    """
    if http_client is None:
        return None
    agent = http_client.headers.get("user-agent")
    return None if not agent or agent.startswith(_HTTPX_DEFAULT_AGENT) else agent


def client_headers(
    default_headers: Mapping[str, str], user_agent_extra: str | None, client_agent: str | None
) -> dict[str, str]:
    """The headers of every request of a client (sources 2 and 3 of the merge order, with the
    User-Agent of sources 1 and 3 in front of the SDK's). ``default_headers`` are checked and
    lower-cased (``_validation.check_headers``).

    Example::

        >>> client_headers({}, None, "billing/2")["user-agent"].startswith("billing/2 sinch-keys/")
        True
    """
    caller = default_headers.get("user-agent", client_agent)
    headers = {
        "user-agent": "",
        "accept": "application/json",
        # only what _body.BodyReader decodes within max_response_bytes (an owned header)
        "accept-encoding": ACCEPT_ENCODING,
        **default_headers,
    }
    headers["user-agent"] = _in_front(caller, sdk_agent(user_agent_extra))
    return headers


def with_extra(
    headers: Mapping[str, str] | None, extra_headers: Mapping[str, str], agent: str
) -> dict[str, str]:
    """One request's headers: ``headers`` (None: the pool's, which httpx merges in) with the
    call's ``extra_headers`` over them; a User-Agent among them goes in front of ``agent``
    (the SDK's part, :func:`sdk_agent`).

    Example::

        >>> with_extra(None, {"user-agent": "nightly/3"}, "sinch-keys/0.1.0")["user-agent"]
        'nightly/3 sinch-keys/0.1.0'
    """
    merged = {**(headers or {}), **extra_headers}
    given = extra_headers.get("user-agent")
    if given is not None:
        merged["user-agent"] = _in_front(given, agent)
    return merged


def _in_front(caller: str | None, agent: str) -> str:
    return f"{caller} {agent}" if caller else agent
