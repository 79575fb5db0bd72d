"""The ``sinch_keys`` logger, and ``SINCH_KEYS_LOG`` (like openai-python's ``OPENAI_LOG``).

Records are always emitted to ``logging.getLogger("sinch_keys")`` (requests at DEBUG,
retries at INFO), so an application's own logging configuration sees them. Setting
``SINCH_KEYS_LOG=debug`` or ``info`` also installs a stderr handler at that level; any other
value is ignored with one warning (a typo should not silently mean "no log"). No record ever
contains a header, a request body or a credential.

Example::

    SINCH_KEYS_LOG=debug python my_tool.py
"""

from __future__ import annotations

import logging
import os

LOGGER_NAME = "sinch_keys"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_warned: set[str] = set()


def setup_from_env() -> None:
    """Install the stderr handler that ``SINCH_KEYS_LOG`` asks for (once).

    Example::

        >>> setup_from_env()
    """
    value = os.environ.get("SINCH_KEYS_LOG", "").strip()
    level = _LEVELS.get(value.lower())
    if level is None:
        if value and value not in _warned:
            _warned.add(value)
            # with no handler configured, logging's last resort prints this on stderr
            logging.getLogger(LOGGER_NAME).warning(
                "warning: SINCH_KEYS_LOG=%r is not a log level (debug or info); ignored", value
            )
        return
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, "_sinch_keys_env", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler._sinch_keys_env = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
