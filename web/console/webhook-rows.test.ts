import { describe, expect, it } from "vitest";
import {
  anyWaiting,
  decodeDeliveries,
  decodeWebhooks,
  deliveryRow,
  endpointUrlError,
  eventsText,
  formatStamp,
  scopeText,
  type Delivery,
} from "./webhook-rows";

/** An ISO time for a wall-clock time in the test's own time zone. */
function local(y: number, mo: number, d: number, h: number, mi: number, s: number): string {
  return new Date(y, mo - 1, d, h, mi, s).toISOString();
}

function delivery(more: Partial<Delivery>): Delivery {
  return {
    id: 1,
    event: "session.ended",
    state: "delivered",
    attempts: 1,
    lastStatus: 200,
    lastError: null,
    createdAt: local(2026, 12, 4, 18, 22, 7),
    finishedAt: local(2026, 12, 4, 18, 22, 8),
    nextAttemptAt: null,
    ...more,
  };
}

describe("an endpoint's address", () => {
  it("is taken when it is http or https with a host", () => {
    expect(endpointUrlError("https://tickets.example.com/hooks/helpline")).toBeNull();
    expect(endpointUrlError("  http://127.0.0.1:8080/hook ")).toBeNull();
    expect(endpointUrlError("HTTPS://EXAMPLE.COM")).toBeNull();
  });

  it("is refused, saying why, when it is empty, another scheme, spaced or not an address", () => {
    expect(endpointUrlError("   ")).toBe("Enter the endpoint's address.");
    expect(endpointUrlError("javascript:alert(1)")).toBe("The address starts with https:// or http://.");
    expect(endpointUrlError("ftp://example.com/")).toBe("The address starts with https:// or http://.");
    expect(endpointUrlError("tickets.example.com/hook")).toBe("The address starts with https:// or http://.");
    expect(endpointUrlError("https://exa mple.com/")).toBe("An address has no spaces.");
    expect(endpointUrlError("https://")).toBe("That is not a web address.");
  });
});

describe("an endpoint's row", () => {
  it("names its events in the order they happen", () => {
    expect(eventsText(["session.transferred", "session.started"])).toBe("Session started, Session transferred");
    expect(eventsText(["session.ended", "session.archived"])).toBe("Session ended, session.archived");
  });

  it("names its scope: the team, or the portal by name", () => {
    const names = new Map([["acme", "Acme Support"]]);
    expect(scopeText(null, names)).toBe("The whole team");
    expect(scopeText("acme", names)).toBe("Acme Support");
    expect(scopeText("gone", names)).toBe("gone");
  });
});

describe("a delivery's row", () => {
  it("shows a delivered call's time to the second, its event and the receiver's status", () => {
    expect(deliveryRow(delivery({}))).toEqual({
      when: "4 Dec 2026, 18:22:07",
      event: "Session ended",
      state: "Delivered",
      result: "200",
      attempts: "1",
      nextRetry: "—",
    });
  });

  it("shows what went wrong and when a waiting call is tried again", () => {
    const row = deliveryRow(
      delivery({
        state: "pending",
        attempts: 2,
        lastStatus: 500,
        lastError: "answered 500",
        nextAttemptAt: local(2026, 12, 4, 18, 23, 9),
      }),
    );
    expect(row.state).toBe("Waiting");
    expect(row.result).toBe("answered 500");
    expect(row.attempts).toBe("2");
    expect(row.nextRetry).toBe("4 Dec 2026, 18:23:09");
  });

  it("shows no next retry once a call is given up, and a call not tried yet as such", () => {
    const failed = deliveryRow(
      delivery({ state: "failed", attempts: 6, lastStatus: null, lastError: "no answer within 5 s" }),
    );
    expect([failed.state, failed.result, failed.nextRetry]).toEqual(["Given up", "no answer within 5 s", "—"]);
    const fresh = delivery({ state: "pending", attempts: 0, lastStatus: null, nextAttemptAt: local(2026, 12, 4, 18, 22, 7) });
    expect(deliveryRow(fresh).result).toBe("Not tried yet");
    expect(anyWaiting([delivery({}), fresh])).toBe(true);
    expect(anyWaiting([delivery({})])).toBe(false);
  });

  it("shows nothing for a time that is not one", () => {
    expect(formatStamp("soon")).toBe("");
    expect(formatStamp(null)).toBe("");
  });
});

describe("the API's answers", () => {
  it("are read forgivingly: missing or mistyped fields become safe defaults", () => {
    expect(
      decodeWebhooks({
        webhooks: [
          { id: 3, url: "https://t.example/h", events: ["session.ended", 7], portal: "acme", enabled: false },
          "nonsense",
        ],
      }),
    ).toEqual([
      { id: 3, url: "https://t.example/h", events: ["session.ended"], portal: "acme", enabled: false, createdAt: "" },
      { id: 0, url: "", events: [], portal: null, enabled: true, createdAt: "" },
    ]);
    expect(decodeDeliveries(null)).toEqual([]);
    const [row] = decodeDeliveries({ deliveries: [{ id: 9, event: "session.started", last_status: "200" }] });
    expect(row?.lastStatus).toBeNull();
    expect(row?.nextAttemptAt).toBeNull();
  });
});
