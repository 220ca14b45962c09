"""What the agent says about the customer's computer: the ``client`` object of joining.

Why: a browser's User-Agent says "Linux"; the agent knows the exact distribution and
version, the kernel, the architecture, the host and the user, which is what a
representative needs to help (docs/protocol.md, ``POST /api/join``). Everything is read
from the standard library, so it works on any Linux and degrades to what ``platform``
knows on macOS and Windows.
"""

from __future__ import annotations

import getpass
import platform
from typing import Any

from helpline import __version__

# The server keeps at most this many characters of each reported value.
MAX_VALUE_CHARS = 80


def os_name() -> str:
    """``Debian GNU/Linux 12 (bookworm)``; ``macOS 14.4``; ``Windows 11``; else the
    system's name and release."""
    system = platform.system()
    if system == "Linux":
        try:
            release = platform.freedesktop_os_release()
        except OSError:
            release = {}
        pretty = release.get("PRETTY_NAME") or " ".join(
            part for part in (release.get("NAME"), release.get("VERSION")) if part
        )
        return pretty or "Linux"
    if system == "Darwin":
        version = platform.mac_ver()[0]
        return f"macOS {version}".strip()
    if system == "Windows":
        return f"Windows {platform.release()}".strip()
    return f"{system} {platform.release()}".strip() or "unknown"


def user_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def full_name() -> str:
    """The user's full name (GECOS), else their login name: the default ``--name``."""
    login = user_name()
    try:
        import pwd  # Unix only

        gecos = pwd.getpwnam(login).pw_gecos.split(",", 1)[0].strip()
    except (ImportError, KeyError, OSError):
        gecos = ""
    return gecos or login or "Customer"


def client_report() -> dict[str, Any]:
    """The ``client`` object the agent sends when it joins."""
    uname = platform.uname()
    report = {
        "os": os_name(),
        "kernel": uname.release,
        "arch": uname.machine,
        "host": uname.node,
        "user": user_name(),
        "app": "agent",
        # Where the browser's window reports its browser: so the Details pane and the
        # chat log's header name the agent rather than an unknown User-Agent.
        "browser": f"Helpline agent {__version__}",
    }
    return {key: value[:MAX_VALUE_CHARS] for key, value in report.items()}
