"""Session codes: nine digits a representative reads to a customer over the phone.

A code is about 30 bits, so it is single-use, short-lived, and guessing is limited
by the server (per address and by a global failure budget). Each code also has a join
link with a secret far too long to guess (its hash is ``link_hash``), which redeems the
same code and is therefore not held back by the guessing budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from helpline.domain.errors import Expired, InvalidInput, LimitReached

SESSION_CODE_DIGITS = 9
DEFAULT_CODE_LIFETIME = timedelta(minutes=20)
DEFAULT_MAX_ACTIVE_CODES = 8


@dataclass(frozen=True)
class SessionCode:
    code: str
    rep_id: int
    portal_id: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    link_hash: bytes | None = None

    def is_active(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


def format_code(number: int) -> str:
    """The code as stored and shown: nine digits, leading zeros kept."""
    if not 0 <= number < 10**SESSION_CODE_DIGITS:
        raise ValueError("a session code has nine digits")
    return f"{number:0{SESSION_CODE_DIGITS}d}"


def normalize_code(text: str) -> str:
    """Accept what a customer types: spaces and dashes are ignored."""
    digits = "".join(ch for ch in text if ch not in " -")
    if len(digits) != SESSION_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise InvalidInput(f"A session code has {SESSION_CODE_DIGITS} digits.")
    return digits


def check_can_create(active_codes: int, limit: int) -> None:
    if active_codes >= limit:
        raise LimitReached(
            f"You already have {active_codes} active session codes, the most allowed. "
            "Cancel one or wait until one expires."
        )


def check_redeemable(code: SessionCode, now: datetime) -> None:
    if code.used_at is not None:
        raise Expired("This session code was already used. Ask your representative for a new one.")
    if now >= code.expires_at:
        raise Expired("This session code has expired. Ask your representative for a new one.")
