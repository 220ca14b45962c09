"""The customer's login password: checked here, kept encrypted in memory, never sent.

Why a module of its own, and why so careful: the representatives may use the
customer's login for administrator tasks (tasks.py), but the password must never
leave the computer. It is checked locally with ``sudo -S -k -v`` run as the agent's
own user (password on stdin, no prompt), or, where sudo asks this login for no
password (so any would pass), against the login itself (login_check.py, PAM), then
kept only AES-GCM-encrypted with a
key that lives in this process's memory too; it is decrypted for the moment of a
sudo call and goes to sudo on stdin, never in argv, the environment, a file, a log
line or an exception message. ``harden_process()`` makes the process non-dumpable
and switches core files off, so the key and ciphertext cannot end up on disk in a
crash dump or be read by another process of the same user through ptrace.

Python cannot wipe an immutable ``str`` or ``bytes``: the typed password arrives as
a ``str`` from the terminal's input field, and the cipher returns ``bytes``. What
this module controls (the encoded copy it encrypts from) is a ``bytearray`` that is
zeroed after use.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import getpass
import os
import resource
import secrets
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from helpline.agent import login_check

# sudo waits after a wrong password (pam_faildelay, about 2 s); a stuck sudo (a
# module asking for something else) is stopped after this.
SUDO_TIMEOUT_SECONDS = 30.0
# sudo's own time (checking the password) on top of a command's.
SUDO_GRACE_SECONDS = 5.0
PR_SET_DUMPABLE = 4
NO_SUDO = (
    "The agent checks login credentials with sudo, and sudo is not installed on this "
    "computer. Ask the computer's administrator to install it."
)
WRONG_PASSWORD = "That password is not right for {user}. Nothing was shared; try again."  # noqa: S105 (a sentence)


class CredentialError(Exception):
    """A refusal, said for people. Its message never holds the password."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def harden_process() -> None:
    """No core dumps, and no ptrace by other processes of this user (Linux)."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        libc_name = ctypes.util.find_library("c") or "libc.so.6"
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL(libc_name, use_errno=True)
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def is_dumpable() -> bool:
    """What ``harden_process`` set, read back from the kernel (Linux; else True)."""
    if not sys.platform.startswith("linux"):
        return True
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return bool(libc.prctl(3, 0, 0, 0, 0))  # PR_GET_DUMPABLE


def _wipe(buffer: bytearray) -> None:
    for index in range(len(buffer)):
        buffer[index] = 0


@dataclass(frozen=True)
class SudoResult:
    """How a sudo call ended; never what it printed."""

    returncode: int
    # sudo itself refused (a wrong password, not allowed), as opposed to the command
    # failing: sudo says so on stderr, which is read only for these fixed phrases.
    refused: bool
    not_allowed: bool


class Vault:
    """Holds one password, encrypted. ``sudo`` is the program to run (a test may run
    it as another user with a ``runuser -u USER --`` prefix)."""

    def __init__(self, sudo: Sequence[str] | None = None) -> None:
        self._sudo = list(sudo) if sudo is not None else None
        self._key: bytearray | None = None
        self._nonce: bytes | None = None
        self._sealed: bytes | None = None
        self.user: str | None = None
        # sudo asks this login for no password: it is then never written to sudo,
        # whose stdin would be the command's (a root command could read it).
        self._no_password = False

    @property
    def holds(self) -> bool:
        return self._sealed is not None

    def _program(self) -> list[str]:
        if self._sudo is not None:
            return list(self._sudo)
        found = shutil.which("sudo")
        if found is None:
            raise CredentialError(NO_SUDO)
        return [found]

    async def check(self, user: str, password: str) -> None:
        """Check the password with sudo and keep it; ``CredentialError`` says why not."""
        if self._sudo is None and user != getpass.getuser():
            raise CredentialError(
                f"The agent runs as {getpass.getuser()} and can check only that login's "
                f"password, not {user}'s."
            )
        if not password:
            raise CredentialError("Type the password of your login first.")
        secret = bytearray(password.encode("utf-8"))
        try:
            no_password = await self._asks_no_password()
            if no_password:
                # Any password would pass sudo here (NOPASSWD, or root): ask the login.
                right = await self._login_check(user, secret)
            else:
                result = await self._sudo_call(["-k", "-v"], secret)
                if result.not_allowed:
                    raise CredentialError(
                        f"{user} may not use sudo on this computer, so this login cannot "
                        "give the representatives administrator rights."
                    )
                right = result.returncode == 0
        finally:
            _wipe(secret)
        if not right:
            raise CredentialError(WRONG_PASSWORD.format(user=user))
        self._seal(password, user)
        self._no_password = no_password

    async def _asks_no_password(self) -> bool:
        """Whether sudo lets this login in without any password (``sudo -n -k -v``)."""
        try:
            process = await asyncio.create_subprocess_exec(
                *self._program(),
                "-n",
                "-k",
                "-v",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise CredentialError(NO_SUDO) from None
        try:
            return await asyncio.wait_for(process.wait(), SUDO_TIMEOUT_SECONDS) == 0
        except TimeoutError:
            process.kill()
            await process.wait()
            return False

    async def _login_check(self, user: str, secret: bytearray) -> bool:
        try:
            return await asyncio.to_thread(login_check.password_is_right, user, bytes(secret))
        except login_check.LoginCheckUnavailable:
            raise CredentialError(
                f"sudo on this computer asks {user} for no password, and the agent cannot "
                "check it against the login (PAM is not available), so it cannot tell "
                "that the password is yours. Ask the computer's administrator to require "
                "a password for sudo."
            ) from None

    def _seal(self, password: str, user: str) -> None:
        key = bytearray(AESGCM.generate_key(bit_length=256))
        nonce = secrets.token_bytes(12)
        plain = bytearray(password.encode("utf-8"))
        try:
            self._sealed = AESGCM(bytes(key)).encrypt(nonce, bytes(plain), None)
        finally:
            _wipe(plain)
        self._key, self._nonce, self.user = key, nonce, user

    def erase(self) -> None:
        """Forget the password: key and ciphertext are dropped (the key zeroed)."""
        if self._key is not None:
            _wipe(self._key)
        self._key, self._nonce, self._sealed, self.user = None, None, None, None
        self._no_password = False

    async def run(self, command: Sequence[str]) -> SudoResult:
        """Run ``command`` as root through ``sudo -S -k -p '' --`` with the password."""
        if self._sealed is None or self._key is None or self._nonce is None:
            raise CredentialError("The customer's login credentials are not available.")
        if self._no_password:
            return await self._sudo_call(["--", *command], None)
        secret = bytearray(AESGCM(bytes(self._key)).decrypt(self._nonce, self._sealed, None))
        try:
            return await self._sudo_call(["-k", "--", *command], secret)
        finally:
            _wipe(secret)

    def output(self, command: Sequence[str], timeout: float) -> str:
        """What ``command`` prints to stdout, run as root through sudo (for the elevated
        system information; its reader is the collector, never a log). Blocking: the
        collector calls it from its threads. ``CredentialError`` when it did not run."""
        if self._sealed is None or self._key is None or self._nonce is None:
            raise CredentialError("The customer's login credentials are not available.")
        if self._no_password:
            argv, line = [*self._program(), "-n", "--", *command], bytearray()
        else:
            argv = [*self._program(), "-S", "-k", "-p", "", "--", *command]
            line = bytearray(AESGCM(bytes(self._key)).decrypt(self._nonce, self._sealed, None))
            line += b"\n"
        try:
            done = subprocess.run(  # noqa: S603 (fixed commands of the collector)
                argv,
                input=bytes(line),
                capture_output=True,
                timeout=timeout + SUDO_GRACE_SECONDS,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"},
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CredentialError(f"{command[0]} did not answer in time.") from None
        finally:
            _wipe(line)
        if done.returncode != 0:
            raise CredentialError(f"{command[0]} exited with status {done.returncode}.")
        return done.stdout.decode("utf-8", "replace")

    async def _sudo_call(self, arguments: list[str], secret: bytearray | None) -> SudoResult:
        """sudo with ``arguments``; the password on its stdin, or with None, ``-n`` and
        nothing written (sudo asks no password, so stdin would be the command's)."""
        if secret is None:
            argv = [*self._program(), "-n", *arguments]
        else:
            argv = [*self._program(), "-S", "-p", "", *arguments]
        # C locale: sudo's own refusals are matched by their English words below.
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise CredentialError(NO_SUDO) from None
        line = bytearray()
        if secret is not None:
            line += secret
            line += b"\n"
        try:
            _, said = await asyncio.wait_for(process.communicate(bytes(line)), SUDO_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            return SudoResult(returncode=-1, refused=True, not_allowed=False)
        finally:
            _wipe(line)
        text = said.decode("utf-8", "replace").lower()
        refused = "incorrect password" in text or "sorry, try again" in text
        not_allowed = "not in the sudoers" in text or "is not allowed to" in text
        not_allowed = not_allowed or "may not run sudo" in text
        return SudoResult(int(process.returncode or 0), refused or not_allowed, not_allowed)
