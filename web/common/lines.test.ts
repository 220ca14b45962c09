import { describe, expect, it } from "vitest";
import type { OutboxEntry } from "./connection-core";
import { chatLines, noteLines, privacyLabel, type Viewer } from "./lines";
import type { SessionEvent } from "./protocol";

const viewer: Viewer = {
  isMine: (e) => e.author.kind === "representative" && e.author.id === 3,
  myName: "Alice",
  repName: (id) => (id === 4 ? "Bob" : null),
};

function ev(seq: number, partial: Partial<SessionEvent> = {}): SessionEvent {
  return {
    seq,
    at: "2025-01-01T10:00:00Z",
    kind: "message",
    audience: "everyone",
    to: null,
    author: { kind: "customer", id: null, name: "Carol" },
    body: { text: `m${seq}`, action: null },
    internal: {},
    masked: false,
    client_id: null,
    ...partial,
  };
}

function entry(clientId: string, partial: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    clientId,
    session: "S",
    kind: "message",
    text: `out ${clientId}`,
    to: undefined,
    createdAt: Date.UTC(2025, 0, 1, 10, 1),
    state: "pending",
    seq: null,
    error: null,
    strikes: 0,
    ...partial,
  };
}

describe("privacyLabel", () => {
  it("names the audience of private lines", () => {
    expect(privacyLabel("everyone", null)).toBeNull();
    expect(privacyLabel("representatives", null)).toBe("To representatives");
    expect(privacyLabel("one", "Bob")).toBe("Private to Bob");
    expect(privacyLabel("one", null)).toBe("Private to one representative");
  });
});

describe("chatLines", () => {
  it("shows messages and status notes in seq order, not session notes", () => {
    const lines = chatLines(
      [
        ev(1, { kind: "status", author: { kind: "system", id: null, name: "Helpline" }, body: { text: "Carol joined.", action: "customer_joined" } }),
        ev(2),
        ev(3, { kind: "note", author: { kind: "representative", id: 3, name: "Alice" } }),
        ev(4, { author: { kind: "representative", id: 3, name: "Alice" }, audience: "one", to: { id: 4, name: "Bob" } }),
      ],
      [],
      viewer,
    );
    expect(lines.map((l) => [l.kind, l.text, l.privacy, l.mine])).toEqual([
      ["status", "Carol joined.", null, false],
      ["message", "m2", null, false],
      ["message", "m4", "Private to Bob", true],
    ]);
  });

  it("puts pending and failed sends after the log, acked ones in their place", () => {
    const lines = chatLines(
      [ev(1), ev(5)],
      [
        entry("p"),
        entry("a", { state: "acked", seq: 3 }),
        entry("f", { state: "failed", error: { code: "too_large", message: "Too long." }, to: 4 }),
        entry("n", { kind: "note" }),
      ],
      viewer,
    );
    expect(lines.map((l) => [l.key, l.state])).toEqual([
      ["e1", "sent"],
      ["ca", "sent"],
      ["e5", "sent"],
      ["cp", "pending"],
      ["cf", "failed"],
    ]);
    const failed = lines.find((l) => l.key === "cf");
    expect(failed?.privacy).toBe("Private to Bob");
    expect(failed?.author).toBe("Alice");
    expect(failed?.error?.message).toBe("Too long.");
  });

  it("marks masked authors for representatives and keeps text as it is", () => {
    const [line] = chatLines([ev(1, { masked: true, body: { text: "<img src=x onerror=alert(1)>", action: null } })], [], viewer);
    expect(line?.authorNote).toBe("(masked)");
    expect(line?.text).toBe("<img src=x onerror=alert(1)>");
  });
});

describe("noteLines", () => {
  it("lists notes with those still being saved", () => {
    const notes = noteLines(
      [ev(1), ev(2, { kind: "note", author: { kind: "representative", id: 4, name: "Bob" }, body: { text: "n2", action: null } })],
      [entry("x", { kind: "note", text: "draft note" }), entry("y")],
      viewer,
    );
    expect(notes.map((n) => [n.author, n.text, n.state])).toEqual([
      ["Bob", "n2", "sent"],
      ["Alice", "draft note", "pending"],
    ]);
  });
});

describe("notes that announce a system information report", () => {
  it("carry the report's id, and other lines none", () => {
    const sent = ev(2, {
      kind: "status",
      author: { kind: "customer", id: null, name: "Carol" },
      body: { text: "Carol sent system information to the representatives.", action: "diagnostics_sent", diagnostics_id: 7 },
    });
    const lines = chatLines([ev(1), sent], [], viewer);
    expect(lines.map((l) => l.reportId)).toEqual([null, 7]);
  });
});
