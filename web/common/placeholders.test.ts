import { describe, expect, it } from "vitest";
import { fillPlaceholders, placeholderValues } from "./placeholders";
import { decodeSession } from "./protocol";

const values = {
  "customer.name": "Dana",
  "representative.name": "Alice Martin",
  "session.id": "7KQM-2XPD",
  "portal.name": "Acme Support",
};

describe("fillPlaceholders", () => {
  it("fills every known placeholder, as often as it appears", () => {
    expect(
      fillPlaceholders(
        "Hi {customer.name}, I'm {representative.name} from {portal.name}. Your session is {session.id}, {customer.name}.",
        values,
      ),
    ).toBe("Hi Dana, I'm Alice Martin from Acme Support. Your session is 7KQM-2XPD, Dana.");
  });

  it("leaves unknown placeholders and other braces exactly as typed", () => {
    expect(fillPlaceholders("{customer.email} {Customer.Name} {customer.name {x} {} {customer.name}", values)).toBe(
      "{customer.email} {Customer.Name} {customer.name {x} {} Dana",
    );
  });

  it("keeps a known placeholder that has no value", () => {
    expect(fillPlaceholders("{portal.name}!", { "customer.name": "Dana" })).toBe("{portal.name}!");
  });

  it("does not fill placeholders inside the values it inserts", () => {
    expect(fillPlaceholders("{customer.name}", { "customer.name": "{session.id}", "session.id": "X" })).toBe(
      "{session.id}",
    );
  });

  it("encodes values, not the text around them, when asked (URLs)", () => {
    expect(
      fillPlaceholders("https://example.com/help?who={customer.name}&s={session.id}", values, encodeURIComponent),
    ).toBe("https://example.com/help?who=Dana&s=7KQM-2XPD");
    expect(fillPlaceholders("https://x.test/?q={representative.name}", values, encodeURIComponent)).toBe(
      "https://x.test/?q=Alice%20Martin",
    );
  });

  it("treats markup in values as plain characters", () => {
    expect(fillPlaceholders("Hi {customer.name}", { "customer.name": "<b>x</b>" })).toBe("Hi <b>x</b>");
  });
});

describe("placeholderValues", () => {
  it("takes the customer, session and portal from the session", () => {
    const session = decodeSession({
      id: "7KQM-2XPD",
      customer: { name: "Dana" },
      portal: { slug: "acme", name: "Acme Support" },
    });
    expect(placeholderValues(session, "Bob Chen")).toEqual({
      "customer.name": "Dana",
      "representative.name": "Bob Chen",
      "session.id": "7KQM-2XPD",
      "portal.name": "Acme Support",
    });
  });

  it("fills the portal with nothing for a session joined with a code", () => {
    const session = decodeSession({ id: "AAAA-BBBB", customer: { name: "Hana" }, portal: null });
    expect(fillPlaceholders("[{portal.name}]", placeholderValues(session, "Bob"))).toBe("[]");
  });
});
