"""Which hosts are this machine: the one rule for "plain http is acceptable here".

Example::

    >>> is_loopback("localhost"), is_loopback("127.0.0.2"), is_loopback("::1")
    (True, True, True)
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only: ``localhost``, ``127.0.0.0/8`` or ``::1``.

    A host name other than ``localhost`` is not resolved (that would be a network request,
    and DNS can lie): it counts as remote.

    Example::

        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("203.0.113.7")
        (True, False, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
