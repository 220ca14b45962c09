"""The customer's operating system and browser, from the User-Agent header.

ua-parser (the maintained uap-core rules) reads the header; what the client reports
itself refines it, and the Helpline agent's report replaces it (it knows the exact
release, the kernel, the architecture, the host name and the user).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from ua_parser import parse

from helpline.domain.sessions import ClientApp, ClientInfo, clean_client_detail


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


def client_info(
    user_agent: str | None,
    reported: Mapping[str, object] | None,
    default_app: ClientApp = ClientApp.BROWSER,
) -> ClientInfo:
    """What the server knows of the customer's computer.

    From a browser: the operating system and browser in the User-Agent header, unless
    the page reported them. From the Helpline agent (``"app": "agent"``): what it
    reports, as it is (cleaned like a name): it knows the exact release, and its
    User-Agent names no browser.
    """
    reported = reported or {}
    app = {"agent": ClientApp.AGENT, "browser": ClientApp.BROWSER}.get(
        str(reported.get("app")), default_app
    )
    details = {
        key: clean_client_detail(reported.get(key)) for key in ("kernel", "arch", "host", "user")
    }
    os_name = clean_client_detail(reported.get("os"))
    browser = clean_client_detail(reported.get("browser"))
    if app is ClientApp.AGENT:
        return ClientInfo(os=os_name or "Unknown", browser=browser, app=app, **details)
    parsed = client_from_user_agent(user_agent or "")
    return ClientInfo(
        os=os_name or parsed.os, browser=browser or parsed.browser, app=app, **details
    )
