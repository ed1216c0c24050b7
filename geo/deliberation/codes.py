"""Room codes, ballot tokens and secrets: short to type, hard to guess, stored hashed.

Codes use 31 characters that cannot be misread (no 0/O, 1/I/L): a room code has 6 (about
30 bits: rooms are public anyway), a ballot token 10 (about 50 bits), shown as
``XXXXX-XXXXX``. What a resident types is normalised (case, spaces, dashes)
before it is checked. Tokens and device secrets are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "ALPHABET",
    "format_token",
    "hash_secret",
    "keys_match",
    "new_device_secret",
    "new_id",
    "new_room_code",
    "new_token_code",
    "normalise_code",
]

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ROOM_CODE_CHARS = 6
TOKEN_CODE_CHARS = 10
_REMOVED = str.maketrans("", "", " -_\t\n")


def _code(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_id() -> str:
    """A random record id (32 hex digits)."""
    return secrets.token_hex(16)


def new_room_code() -> str:
    return _code(ROOM_CODE_CHARS)


def new_token_code() -> str:
    return _code(TOKEN_CODE_CHARS)


def new_device_secret() -> str:
    """A random device secret (what a phone keeps in a cookie for informal rounds)."""
    return secrets.token_urlsafe(24)


def format_token(code: str) -> str:
    """``ABCDEFGHJK`` → ``ABCDE-FGHJK`` (as printed)."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(typed: object) -> str:
    """What a person typed, as a code: upper case, without spaces or dashes."""
    return str(typed or "").upper().translate(_REMOVED)[:64]


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest (tokens and device secrets are stored only this way)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def keys_match(given: object, expected: str) -> bool:
    """Constant-time comparison of a typed key with the expected one."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))
