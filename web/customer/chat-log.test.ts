import { describe, expect, it } from "vitest";
import { textFor } from "../common/i18n/text";
import type { LogLine } from "../common/lines";
import { decodeSession } from "../common/protocol";
import { chatLogText, utcStamp } from "./chat-log";

const session = decodeSession({
  id: "K7Q2-9XPA",
  status: "ended",
  started_at: "2026-12-05T07:00:00+00:00",
  portal: { slug: "acme", name: "Acme Support" },
  customer: { name: "Dana" },
  query: "Mein Drucker <brennt>",
  attendees: [],
  ended_at: "2026-12-05T07:20:30+00:00",
  ended_by: "a representative",
});

function line(kind: LogLine["kind"], text: string, extra: Partial<LogLine> = {}): LogLine {
  return {
    key: text,
    seq: 1,
    at: "2026-12-05T07:01:02.500Z",
    kind,
    author: kind === "status" ? "" : "Alice Martin",
    authorNote: null,
    text,
    privacy: null,
    mine: false,
    state: "sent",
    error: null,
    clientId: null,
    reportId: null,
    ...extra,
  };
}

describe("chatLogText", () => {
  it("writes the session's details and every line the customer read, in their language", () => {
    const lines = [
      line("status", "Alice Martin hat die Sitzung übernommen."),
      line("message", "Guten Tag!"),
      line("message", "noch nicht bestätigt", { state: "pending", author: "Dana" }),
      line("message", "abgelehnt", { state: "failed", author: "Dana" }),
    ];
    expect(chatLogText(session, lines, textFor("de"))).toBe(
      [
        "Helpline-Chatverlauf",
        "Sitzungs-ID: K7Q2-9XPA",
        "Portal: Acme Support",
        "Begonnen: 2026-12-05 07:00:00 UTC",
        "Kunde: Dana",
        "Anliegen: Mein Drucker <brennt>",
        "Beendet: 2026-12-05 07:20:30 UTC von einem Mitarbeiter",
        "-".repeat(60),
        "[07:01:02] * Alice Martin hat die Sitzung übernommen.",
        "[07:01:02] Alice Martin: Guten Tag!",
      ].join("\n") + "\n",
    );
  });

  it("names a session joined with a code, and an open one has no end", () => {
    const open = { ...session, portal: null, query: "", ended_at: null, ended_by: null };
    const text = chatLogText(open, [], textFor("fr"));
    expect(text).toContain("Portail : Code de session\n");
    expect(text).toContain("Demande : (aucune)\n");
    expect(text).not.toContain("Fin");
  });

  it("writes moments as the server does, in UTC", () => {
    expect(utcStamp("2026-12-05T08:00:00+01:00")).toBe("2026-12-05 07:00:00 UTC");
    expect(utcStamp("not a time")).toBe("not a time");
  });
});
