"""Secrets: password hashes, login and customer tokens.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106). Tokens are
256 random bits; only their SHA-256 is stored, so a copy of the database opens
nothing.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# A real hash to verify against when the username is unknown, so a login for a
# missing user costs the same time as one with a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def random_below(limit: int) -> int:
    return secrets.randbelow(limit)
