"""``APIResponse``: what came back from one API call besides its value, for logs and support
tickets (``client.access_keys.with_raw_response``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from sinch_keys._errors import APIError, _request_id

if TYPE_CHECKING:
    from sinch_keys._outcomes import Sent

T = TypeVar("T")

__all__ = ["APIResponse"]


class APIResponse(Generic[T]):
    """The response to one API call: its status, headers, request id, duration and attempt
    count, and :meth:`parse` for the value the plain call returns.

    * ``status_code`` (int) and ``headers`` (``httpx.Headers``) of the response that settled
      the call: the last attempt's.
    * ``request_id``: the server's id of that response, for a support ticket, read from the
      first of ``x-request-id``, ``x-sinch-request-id``, ``sinch-request-id``,
      ``x-correlation-id``, ``request-id``, ``x-amzn-requestid`` it carries; None when it has
      none (Sinch documents no request-id header for this API: see the README).
    * ``elapsed``: seconds (float) the whole call took, measured with the client's clock
      (``time.monotonic`` unless ``clock=`` was given): every attempt, the token request if
      one was needed, and the waits between retries.
    * ``attempts``: how many times the request was sent, retries included (1: no retry).

    There is no access to the raw body (no ``text``, ``json()``, ``content`` or httpx
    response): the body of a create holds the new key's secret, and what :meth:`parse`
    returns already carries every field of the body (fields the spec lacks are in
    ``additional_properties``). Nothing here, ``repr()`` included, shows a secret.

    Example::

        raw = client.access_keys.with_raw_response.get(key_id)
        print(raw.status_code, raw.request_id, raw.attempts, f"{raw.elapsed:.3f} s")
        key = raw.parse()
    """

    __slots__ = ("_value", "attempts", "elapsed", "headers", "request_id", "status_code")

    def __init__(
        self,
        value: T,
        *,
        status_code: int,
        headers: httpx.Headers,
        elapsed: float,
        attempts: int,
    ) -> None:
        self._value = value
        self.status_code = status_code
        self.headers = headers
        self.request_id = _request_id(headers)
        self.elapsed = elapsed
        self.attempts = attempts

    def parse(self) -> T:
        """The value the plain call returns: an ``AccessKey``, a ``CreatedAccessKey`` (its
        secret masked until ``get_secret_value()``), a ``ListAccessKeysResponse`` page, or
        None (delete).

        Example::

            created = client.access_keys.with_raw_response.create(display_name="ci").parse()
        """
        return self._value

    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] request_id={self.request_id!r} "
            f"attempts={self.attempts} elapsed={self.elapsed:.3f}s>"
        )


def response_of(value: T, sent: Sent, elapsed: float) -> APIResponse[T]:
    """The :class:`APIResponse` of a call that returned ``value`` from ``sent``: its 2xx
    response, or the NotFoundError of a delete that an earlier attempt had already done.

    Example::

        raw = response_of(*answer, elapsed=clock() - start)
    """
    if sent.response is not None:
        status_code, headers = sent.response.status_code, sent.response.headers
    elif isinstance(sent.error, APIError):  # a delete already done: its final 404
        status_code, headers = sent.error.status_code, httpx.Headers(sent.error.headers)
    else:
        raise RuntimeError("a call that returned a value was answered over HTTP")
    return APIResponse(
        value, status_code=status_code, headers=headers, elapsed=elapsed, attempts=sent.attempts
    )
