"""What the SDK knows after a request, and the rules that decide from it. No I/O.

Every request ends in one of four :class:`Delivery` states, and every multi-step operation
decides only from those, never from hope:

=================  ===========================================================================
``NOT_SENT``       provably never reached the server: connection refused, the token fetch
                   failed, the request was never written.
``REJECTED``       the server answered that it did not apply it: 4xx, 429, 503.
``APPLIED``        the server answered 2xx (even if the body then could not be read).
``UNKNOWN``        it may have reached the server and been applied: a dropped connection, a
                   timeout after sending, 500/502/504.
=================  ===========================================================================

The rules, each checked by ``tests/explore`` against the emulator's record of what it applied:

* **create** (:func:`create_state`): ``CREATED`` returns the key with its secret;
  ``NOT_CREATED`` (every attempt NOT_SENT or REJECTED) raises the error as it is;
  ``OUTCOME_UNKNOWN`` looks the key up by its display name, re-checking after the policy's
  ``recheck_waits`` when nothing is found, and raises ``CreateOutcomeUnknownError``, naming the
  key whenever a lookup finds it. Absence of evidence is never reported as "not created".
* **delete** (:func:`delete_already_done`): a 404 after an attempt that may have been applied
  means this call deleted it: done.
* **rotate** (:class:`RotationStep`): create, test (token and verify with the new key), delete
  the old key. After a failed ``delete_old`` the old key is looked up with the new key's
  credentials (``confirm_old``, :func:`after_failed_delete`): gone, the rotation is complete;
  there, and no delete of it can still land, the new key is rolled back; anything else keeps
  both keys and returns the new secret in the error. The new key is deleted only while the old
  one is known to exist and to stay, so the caller always keeps a key it holds the secret of.
* **walks** (``_pagination.PageWalk``): every walk over pages ends.
* **tokens**: a request whose token fetch failed was NOT_SENT, never a possible write.

Example::

    >>> combined((Delivery.REJECTED, Delivery.UNKNOWN))
    <Delivery.UNKNOWN: 'sent, outcome unknown'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from sinch_keys._errors import (
    APIConnectionError,
    APIError,
    NotFoundError,
    SinchKeysError,
)

if TYPE_CHECKING:
    import httpx

    from sinch_keys._models import AccessKey

# Statuses by which the server says it did not apply the request.
NOT_APPLIED_STATUS = frozenset({429, 503})


class Delivery(enum.Enum):
    """What is known about one attempt of a request (see the module docstring).

    Example::

        >>> Delivery.NOT_SENT.may_have_applied, Delivery.UNKNOWN.may_have_applied
        (False, True)
    """

    NOT_SENT = "not sent"
    REJECTED = "answered, not applied"
    APPLIED = "answered, applied"
    UNKNOWN = "sent, outcome unknown"

    @property
    def may_have_applied(self) -> bool:
        """Whether the server may have carried the request out."""
        return self in (Delivery.APPLIED, Delivery.UNKNOWN)


def delivery_of_status(status_code: int) -> Delivery:
    """The delivery a response status says.

    Example::

        >>> delivery_of_status(503), delivery_of_status(504)
        (<Delivery.REJECTED: 'answered, not applied'>, <Delivery.UNKNOWN: 'sent, outcome unknown'>)
    """
    if 200 <= status_code < 300:
        return Delivery.APPLIED
    if status_code >= 500 and status_code not in NOT_APPLIED_STATUS:
        return Delivery.UNKNOWN
    return Delivery.REJECTED


def delivery_of(error: BaseException) -> Delivery:
    """The delivery an error says about the attempt that raised it.

    Example::

        >>> delivery_of(APIConnectionError("refused", may_have_reached_server=False))
        <Delivery.NOT_SENT: 'not sent'>
    """
    if isinstance(error, APIConnectionError):
        return Delivery.UNKNOWN if error.may_have_reached_server else Delivery.NOT_SENT
    if isinstance(error, APIError):
        return delivery_of_status(error.status_code)
    return Delivery.NOT_SENT


def combined(deliveries: Iterable[Delivery]) -> Delivery:
    """What all attempts of one request amount to: applied if any was, else unknown if any
    may have been, else rejected if the server answered, else not sent.

    Example::

        >>> combined((Delivery.NOT_SENT, Delivery.REJECTED))
        <Delivery.REJECTED: 'answered, not applied'>
    """
    seen = set(deliveries)
    for state in (Delivery.APPLIED, Delivery.UNKNOWN, Delivery.REJECTED):
        if state in seen:
            return state
    return Delivery.NOT_SENT


@attrs.frozen
class Sent:
    """The result of one logical request, all its attempts included.

    Exactly one of ``response`` (a 2xx, body read) and ``error`` is set; ``deliveries`` has
    one entry per attempt.

    Example::

        response = sent.result()      # the 2xx response, or raises the final error
    """

    response: httpx.Response | None
    error: SinchKeysError | None
    deliveries: tuple[Delivery, ...]

    @property
    def delivery(self) -> Delivery:
        """All attempts together (:func:`combined`)."""
        return combined(self.deliveries)

    @property
    def attempts(self) -> int:
        """How many times the request was tried."""
        return len(self.deliveries)

    def result(self) -> httpx.Response:
        """The successful response; raises the final error otherwise."""
        if self.error is not None:
            raise self.error
        if self.response is None:
            raise RuntimeError("a Sent has a response or an error, never neither")
        return self.response


# -- create ------------------------------------------------------------------------------------


class CreateState(enum.Enum):
    """Where a create stands after its request (all attempts) finished.

    Example::

        >>> CreateState.OUTCOME_UNKNOWN.value
        'outcome unknown'
    """

    CREATED = "created"
    NOT_CREATED = "not created"
    OUTCOME_UNKNOWN = "outcome unknown"


def create_state(sent: Sent, readable: bool) -> CreateState:
    """Decide a create: ``readable`` says whether a 2xx body gave the key and its secret.

    Example::

        >>> create_state(Sent(None, None, (Delivery.APPLIED,)), readable=False)
        <CreateState.OUTCOME_UNKNOWN: 'outcome unknown'>
    """
    if sent.error is None and readable:
        return CreateState.CREATED
    if sent.delivery.may_have_applied:
        return CreateState.OUTCOME_UNKNOWN
    return CreateState.NOT_CREATED


def find_created(
    keys: Sequence[AccessKey], display_name: str, known_before: frozenset[str]
) -> AccessKey | None:
    """The key an unknown create made, if a lookup shows one: named ``display_name`` and not
    among the keys known to exist before the create (the newest, should there be several).

    Example::

        found = find_created(keys, "ci deploy", known_before=frozenset({old_id}))
    """
    matches = [
        key
        for key in keys
        if key.display_name == display_name and key.access_key_id not in known_before
    ]
    if not matches:
        return None
    return max(matches, key=lambda key: key.create_time)


# -- delete ------------------------------------------------------------------------------------


def delete_already_done(sent: Sent) -> bool:
    """A delete whose last attempt got 404 after an earlier attempt may have been applied:
    that earlier attempt deleted the key, so the delete is done.

    Example::

        done = delete_already_done(sent)   # then return instead of raising NotFoundError
    """
    return isinstance(sent.error, NotFoundError) and any(
        delivery.may_have_applied for delivery in sent.deliveries[:-1]
    )


# -- rotate ------------------------------------------------------------------------------------


class RotationStep(enum.Enum):
    """The steps of a rotation, in order; ``RotationError.step`` holds the value.

    Example::

        >>> [step.value for step in RotationStep]
        ['preflight', 'create', 'token', 'verify', 'delete_old', 'confirm_old']
    """

    PREFLIGHT = "preflight"  # the old key exists and the project has room for one more
    CREATE = "create"  # the new key, with its secret
    # the new key gets a token (OAuth2 clients); a step name, not a credential
    TOKEN = "token"  # noqa: S105  # nosec B105
    VERIFY = "verify"  # the new key makes an authenticated call
    DELETE_OLD = "delete_old"  # the old key is deleted
    CONFIRM_OLD = "confirm_old"  # after a failed delete_old: does the old key still exist?


class AfterFailedDelete(enum.Enum):
    """What a rotation does once deleting the old key failed, from what it knows then.

    Example::

        >>> AfterFailedDelete.KEEP_BOTH.value
        'keep both keys'
    """

    ROLL_BACK = "roll back"  # the old key exists and no delete of it can still land
    COMPLETE = "complete"  # the old key is gone: the delete did happen
    KEEP_BOTH = "keep both keys"  # the old key may vanish yet, or nobody can tell


def after_failed_delete(delete_old: Sent, old_key_lookup: Sent) -> AfterFailedDelete:
    """Decide from the failed delete of the old key and a GET of the old key made afterwards
    with the new key's credentials.

    A delete that may have reached the server can still take effect after the GET saw the
    old key (a server that applies late): rolling the new key back then could leave no key at
    all, so both are kept and the new secret goes back to the caller.

    Example::

        decision = after_failed_delete(delete_sent, lookup_sent)
    """
    if isinstance(old_key_lookup.error, NotFoundError):
        return AfterFailedDelete.COMPLETE
    if old_key_lookup.error is None and not delete_old.delivery.may_have_applied:
        return AfterFailedDelete.ROLL_BACK
    return AfterFailedDelete.KEEP_BOTH
