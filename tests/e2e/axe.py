"""Accessibility checks with axe-core, run inside the page a test has open.

axe-core is the engine browsers' own accessibility audits build on; it comes from
web/node_modules (a pinned dev dependency installed by `make build`), so the tests
check with the exact version the lock names and the repository holds no copy of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page, Route

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "web/node_modules/axe-core/axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the product promises.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
# The pages' Content-Security-Policy forbids inline scripts, as it should, so axe
# arrives as a same-origin script file the test serves itself; the policy stays on.
AXE_PATH = "/_accessibility-test/axe.min.js"

Violation = dict[str, Any]


async def _inject(page: Page) -> None:
    async def serve(route: Route) -> None:
        await route.fulfill(path=AXE_SCRIPT, content_type="text/javascript")

    await page.route(f"**{AXE_PATH}", serve)
    try:
        await page.add_script_tag(url=AXE_PATH)
    finally:
        await page.unroute(f"**{AXE_PATH}", serve)


async def violations(page: Page) -> list[Violation]:
    """Every WCAG A/AA rule the page as it is now breaks, as axe-core reports them."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await _inject(page)
    found: list[Violation] = await page.evaluate(
        """async (tags) => {
            const results = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations;
        }""",
        WCAG_TAGS,
    )
    return found


def describe(found: list[Violation]) -> str:
    """One paragraph a violation: its id, impact, help text and where it is."""
    lines: list[str] = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
    return "\n".join(lines)


async def assert_no_serious_findings(page: Page, where: str) -> None:
    """Fail, naming each rule and element, if axe finds anything serious or critical."""
    blocking = [v for v in await violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"Accessibility findings on {where}:\n{describe(blocking)}"
