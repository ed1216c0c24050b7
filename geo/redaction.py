"""Keeping secrets and server paths out of what people see.

Keys (``TIANDITU_KEY``, the facilitator key) and credentials inside URLs
(``LIFECIRCLE_OVERPASS_URL``, ``LIFECIRCLE_DB_URL``) must never reach an export, a message
or a log. :func:`redact_url` blanks a URL's ``user:password`` and its key-like query
parameters; :func:`redact_text` does the same for every URL and ``key=value`` pair inside a
message and blanks any known secret value; :func:`hide_paths` shortens absolute paths to
their last part, so that a message shown in the dashboard does not disclose the server's
folders. :func:`public_message` combines them for an error shown to a dashboard user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_ENV_VARS",
    "hide_paths",
    "public_message",
    "redact_text",
    "redact_url",
    "redact_values",
    "secret_values",
]

MASK = "***"

SECRET_ENV_VARS = (
    "TIANDITU_KEY",
    "LIFECIRCLE_FACILITATOR_KEY",
    "LIFECIRCLE_DB_URL",
    "LIFECIRCLE_OVERPASS_URL",
)
"""Environment variables that hold a secret, or a URL that may carry one."""

# Query parameters and key=value pairs whose value is a secret (tk is Tianditu's key).
_SECRET_NAME = (
    r"(?:tk|key|api_?key|apikey|token|access_?token|secret|password|passwd|pwd|sig|signature"
    r"|auth)"
)
_SECRET_PARAM = re.compile(rf"^{_SECRET_NAME}$", re.IGNORECASE)
_SECRET_PAIR = re.compile(rf"(?<![\w-])({_SECRET_NAME})=([^\s&;,'\"<>)\]]+)", re.IGNORECASE)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>()\[\]]+")
# An absolute path: a slash not preceded by a word character, a colon, a dot or a slash
# (so URLs and relative paths stay), then at least one folder.
_ABS_PATH = re.compile(r"(?<![\w:./~-])/(?:[^\s/'\"]+/)+(?=[^\s/'\"]*)")
_MIN_SECRET_LEN = 4  # shorter values would blank ordinary words


def redact_url(url: str) -> str:
    """``url`` with its ``user:password@`` and key-like query values replaced by ``***``.

    >>> redact_url("https://ann:s3cret@overpass.example/api?tk=abc&q=1")
    'https://***@overpass.example/api?tk=***&q=1'
    """
    try:
        parts = urlsplit(url)
        host = parts.netloc
        if "@" in host:
            host = f"{MASK}@{host.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode(
                [(k, MASK if _SECRET_PARAM.match(k) else v) for k, v in pairs], safe="*"
            )
        return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))
    except ValueError:  # not parseable as a URL (for example a broken IPv6 host)
        return _redact_pairs(re.sub(r"//[^/@\s]*@", f"//{MASK}@", url))


def _redact_pairs(text: str) -> str:
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}={MASK}", text)


def redact_values(text: str, *, secrets: Iterable[str]) -> str:
    """``text`` with every value in ``secrets`` replaced by ``***`` and nothing else changed
    (for a whole document, such as a map's HTML, whose scripts a pattern could break)."""
    for value in sorted({s for s in secrets if len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def redact_text(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL redacted (:func:`redact_url`), every ``key=value`` pair of a
    secret-looking name blanked, and every value in ``secrets`` replaced by ``***``."""
    text = redact_values(text, secrets=secrets)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    return _redact_pairs(text)


def secret_values(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secret values set in ``environ``: keys, and the passwords inside URL settings."""
    found: list[str] = []
    for name in SECRET_ENV_VARS:
        value = (environ.get(name) or "").strip()
        if not value:
            continue
        if "://" not in value:
            found.append(value)
            continue
        try:
            parts = urlsplit(value)
            userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
            found.extend(p for p in userinfo.split(":", 1)[1:] if p)
            found.extend(v for k, v in parse_qsl(parts.query) if _SECRET_PARAM.match(k) and v)
        except ValueError:
            continue
    return tuple(found)


def hide_paths(text: str) -> str:
    """``text`` with each absolute path cut to its last part (``/srv/a/b.csv`` → ``b.csv``)."""
    return _ABS_PATH.sub("", text)


def public_message(error: BaseException | str, *, environ: Mapping[str, str]) -> str:
    """An error's message fit for a dashboard user: no secret, no server folder."""
    return hide_paths(redact_text(str(error), secrets=secret_values(environ)))
