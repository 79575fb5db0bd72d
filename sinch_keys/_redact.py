"""What of a server's words may reach an exception message: short, escaped, no secrets.

A server writes part of every error message (its ``message``, a body excerpt, an httpx error
text). Before any of it reaches ``str(exc)``, and from there a log line or a terminal:

* values under a key that names a credential (``secret``, ``token``, ``password``,
  ``apiKey``, ``authorization``... in any case, snake or camel, nested, form-encoded or in
  JSON escaped inside a string) are replaced by ``[REDACTED]``;
* the literal values of secrets this process holds (the client's key secret, created
  secrets, tokens: ``_secrets.known_secrets``) are replaced wherever they appear;
* control, format and escape characters are written as escapes (``\\n``, ``\\x1b``), so a
  body cannot forge a log line or drive a terminal;
* the result is cut to a few hundred characters.

Example::

    >>> excerpt(b'{"access_token": "abc", "scope": "x"}')
    '{"access_token": "[REDACTED]", "scope": "x"}'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from sinch_keys._secrets import known_secrets

REDACTED = "[REDACTED]"
EXCERPT_CHARS = 200
MESSAGE_CHARS = 300

_SECRET_NAME = re.compile(
    r"secret|token|passw|credential|apikey|privatekey|authori[sz]ation|signature|cookie",
    re.IGNORECASE,
)
# "key": "value" in text that is not JSON as a whole (cut short), the same inside a JSON string
# (quotes escaped: matched first, so an outer pair cannot swallow an inner one), key=value
# pairs, and credentials after an auth scheme (a server echoing our Authorization header)
_ESCAPED_PAIR = re.compile(
    r'(?P<key>\\"(?P<name>[^"\\]{1,64})\\"\s*:\s*)(?P<value>\\"(?:[^"\\]|\\[^"])*(?:\\")?)'
)
_QUOTED_PAIR = re.compile(
    r'(?P<key>"(?P<name>[^"\\]{1,64})"\s*:\s*)(?P<value>"(?:[^"\\]|\\.)*"?|[^,}\]\s]+)'
)
_BARE_PAIR = re.compile(r"(?P<key>\b(?P<name>[A-Za-z_][\w.-]{0,63})=)(?P<value>[^&\s;,]*)")
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/-]{6,}=*")


def is_secret_name(name: str) -> bool:
    """Whether a field, parameter or header name says its value is a credential.

    Example::

        >>> is_secret_name("accessToken"), is_secret_name("Client-Secret"), is_secret_name("scope")
        (True, True, False)
    """
    return bool(_SECRET_NAME.search(re.sub(r"[^A-Za-z]", "", name)))


def redact_structure(value: Any) -> Any:
    """A copy of decoded JSON with every credential-named member's value replaced.

    Example::

        >>> redact_structure({"a": {"clientSecret": {"v": 1}}, "b": [{"token": "t"}]})
        {'a': {'clientSecret': '[REDACTED]'}, 'b': [{'token': '[REDACTED]'}]}
    """
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and is_secret_name(k) else redact_structure(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_structure(item) for item in value]
    return value


def redact_text(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with credential-named pairs and known secret values replaced (not cut, not
    escaped: see :func:`excerpt` and :func:`message`).

    Example::

        >>> redact_text("access_token=abc&token_type=bearer")
        'access_token=[REDACTED]&token_type=[REDACTED]'
    """
    text = _redact_whole(text)
    text = _ESCAPED_PAIR.sub(_replace_pair, text)
    text = _QUOTED_PAIR.sub(_replace_pair, text)
    text = _BARE_PAIR.sub(_replace_pair, text)
    text = _AUTH_SCHEME.sub(rf"\1\2{REDACTED}", text)
    for secret in sorted({*known_secrets(), *extra}, key=len, reverse=True):
        if len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    return text


def excerpt(body: bytes) -> str:
    """The start of a response body, fit for an exception message.

    Example::

        >>> excerpt(b"line one\\nline two")
        'line one\\\\nline two'
    """
    return _cut(escape(redact_text(body.decode("utf-8", errors="replace"))), EXCERPT_CHARS)


def message(text: str) -> str:
    """A server's ``message`` (or any server text), fit for an exception message.

    Example::

        >>> message("Not found\\x1b]52;c;aGk=\\x07")
        'Not found\\\\x1b]52;c;aGk=\\\\x07'
    """
    return _cut(escape(redact_text(text)), MESSAGE_CHARS)


def escape(text: str) -> str:
    """Control, format and escape characters as visible escapes; everything else as is.

    Example::

        >>> escape("a\\tb\\u202ec")
        'a\\\\tb\\\\u202ec'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _redact_whole(text: str) -> str:
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.dumps(redact_structure(json.loads(stripped)), ensure_ascii=False)
        except (ValueError, RecursionError):
            return text
    if "=" in stripped and not stripped.startswith("<"):
        try:
            pairs = parse_qsl(stripped, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return text
        return "&".join(f"{k}={REDACTED if is_secret_name(k) else v}" for k, v in pairs)
    return text


def _replace_pair(match: re.Match[str]) -> str:
    if not is_secret_name(match["name"]) or REDACTED in match["value"]:
        return match[0]
    value = match["value"]
    quote = '\\"' if value.startswith('\\"') else '"' if value.startswith('"') else ""
    return f"{match['key']}{quote}{REDACTED}{quote}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
