"""Checks a password against the computer's own login (PAM), for when sudo would not.

Why: the agent proves a password with ``sudo -S -k -v``, but where sudo asks this
login for no password at all (``NOPASSWD`` rules, or the agent running as root), that
check passes whatever is typed. The customer must still have typed their real
password before the representatives may use it, so then the password is checked the
way the login screen checks it: PAM's ``sudo`` service (the same ``common-auth`` stack
on Debian), through pamela. As a normal user, PAM's ``unix_chkpwd`` helper checks the
user's own password; as root, any user's. Blocking (PAM waits a few seconds after a
wrong password on purpose): call it from a thread.
"""

from __future__ import annotations

PAM_SERVICE = "sudo"


class LoginCheckUnavailable(Exception):
    """PAM cannot be used here (no libpam, or pamela is not installed)."""


def password_is_right(user: str, password: bytes) -> bool:
    """Whether ``password`` is ``user``'s login password. ``LoginCheckUnavailable``
    when it cannot be told."""
    try:
        import pamela
    except (ImportError, OSError) as error:  # pamela loads libpam when imported
        raise LoginCheckUnavailable(str(error)) from None
    try:
        # A tuple: pamela reads a bare bytes value as a list of answers.
        pamela.authenticate(user, (password,), service=PAM_SERVICE, resetcred=0)
    except pamela.PAMError:
        return False
    return True
