import { describe, expect, it } from "vitest";
import { NO_FILTERS, historyQuery, localDayStart } from "./history-query";

describe("historyQuery", () => {
  it("sends only the filters that are set", () => {
    expect(historyQuery(NO_FILTERS, 50, 0)).toBe("limit=50&offset=0");
    const q = new URLSearchParams(
      historyQuery({ ...NO_FILTERS, portal: "acme", representative: "bob", outcome: "resolved", q: "  printer  toner " }, 20, 40),
    );
    expect(Object.fromEntries(q)).toEqual({
      portal: "acme",
      representative: "bob",
      outcome: "resolved",
      q: "printer  toner",
      limit: "20",
      offset: "40",
    });
  });

  it("makes the To date include its whole day", () => {
    const q = new URLSearchParams(historyQuery({ ...NO_FILTERS, from: "2026-11-25", to: "2026-11-25" }, 50, 0));
    const from = Date.parse(q.get("from") ?? "");
    const to = Date.parse(q.get("to") ?? "");
    expect(new Date(from).getDate()).toBe(25);
    expect(new Date(from).getHours()).toBe(0);
    expect(new Date(to).getDate()).toBe(26);
    expect(new Date(to).getHours()).toBe(0);
  });

  it("drops what is not a date, and never sends a negative offset", () => {
    const q = new URLSearchParams(historyQuery({ ...NO_FILTERS, from: "25/11/2026", to: "" }, 50, -5));
    expect(q.has("from")).toBe(false);
    expect(q.has("to")).toBe(false);
    expect(q.get("offset")).toBe("0");
  });

  it("rolls over month ends", () => {
    const next = localDayStart("2026-01-31", 1);
    expect(next !== null && new Date(next).getMonth()).toBe(1);
    expect(localDayStart("2026-02-xx")).toBeNull();
  });
});
