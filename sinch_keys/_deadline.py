"""The deadline of the call in progress: one bound on a whole call, retries and waits included.

A call (``get``, ``create``, ``rotate``...) gets an absolute deadline on the client's clock
when it starts (``deadline=`` per call, else the client's). The retry loop caps each
attempt's timeouts and refuses waits past it; the drivers stop reading a body past it (the
async driver cancels the whole attempt, slow headers included); a token fetch the call
triggers, and any wait for another caller's fetch, read it from :data:`current`.

Example::

    client.access_keys.get(key_id, deadline=5.0)   # APITimeoutError after 5 s, whatever happens
"""

from __future__ import annotations

import contextvars

#: The default deadline of a call, in seconds: generous (three attempts of 30 s and two long
#: Retry-After waits fit), but finite, so no server can hold a call forever.
DEFAULT_DEADLINE = 300.0


class Deadline:
    """The deadline of one call: ``seconds`` as asked, ``at`` on the client's clock.

    Example::

        >>> Deadline(5.0, at=105.0).at
        105.0
    """

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float, at: float) -> None:
        self.seconds = seconds
        self.at = at

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g} s, at={self.at})"


#: The deadline of the call this thread or task is running, if any.
current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "sinch_keys_deadline", default=None
)


class DeadlineExceeded(Exception):  # noqa: N818 - a carrier, mapped to APITimeoutError
    """The call's deadline passed during an attempt (carried to the retry loop)."""
