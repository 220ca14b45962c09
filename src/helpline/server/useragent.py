"""The customer's operating system and browser, from the User-Agent header.

ua-parser (the maintained uap-core rules) reads the header; what the client reports
itself (the desktop agent knows the exact OS release) refines it.
"""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

from helpline.domain.sessions import ClientInfo

_MAX_REPORTED_CHARS = 80


def _version(*parts: str | None) -> str:
    return ".".join(p for p in parts if p)


@lru_cache(maxsize=1024)
def client_from_user_agent(user_agent: str) -> ClientInfo:
    result = parse(user_agent[:512])
    os_name = "Unknown"
    browser = "Unknown"
    if result.os is not None:
        os_name = " ".join(
            x for x in (result.os.family, _version(result.os.major, result.os.minor)) if x
        )
    if result.user_agent is not None:
        browser = " ".join(x for x in (result.user_agent.family, result.user_agent.major) if x)
    return ClientInfo(os=os_name or "Unknown", browser=browser or "Unknown")


def client_info(user_agent: str | None, reported: dict[str, object] | None) -> ClientInfo:
    parsed = client_from_user_agent(user_agent or "")
    reported = reported or {}
    os_name = reported.get("os")
    browser = reported.get("browser")
    return ClientInfo(
        os=_clean(os_name) or parsed.os,
        browser=_clean(browser) or parsed.browser,
    )


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())[:_MAX_REPORTED_CHARS]
    return cleaned if cleaned.isprintable() and cleaned else None
