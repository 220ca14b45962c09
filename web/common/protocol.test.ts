import { describe, expect, it } from "vitest";
import { decodeEvent, decodePreferences, decodeRepresentative, decodeSession } from "./protocol";
import {
  decodeAgentLink,
  decodeCodeJoiningPaused,
  decodeHistoryPage,
  decodeScriptCategories,
  decodeSessionCode,
  decodeSharedFile,
  decodeSharedFiles,
  decodeTranscript,
  joinLinkSecret,
} from "./protocol-bodies";
import { decodeServerFrame } from "./protocol-server-frames";

describe("decodeServerFrame", () => {
  it("decodes a console welcome", () => {
    const frame = decodeServerFrame(
      JSON.stringify({
        type: "welcome",
        role: "representative",
        me: { id: 3, username: "alice", name: "Alice", role: "manager", preferences: { font_size: 18 } },
        sessions: [{ id: "7KQM-2XPD", status: "active", attendees: [{ id: 3, name: "Alice", role: "primary", masked: false }] }],
        queue: [],
        heartbeat_seconds: 25,
      }),
    );
    expect(frame?.type).toBe("welcome");
    if (frame?.type !== "welcome" || frame.role !== "representative") throw new Error("wrong frame");
    expect(frame.me.preferences.font_size).toBe(18);
    expect(frame.me.preferences.idle_warning_seconds).toBe(60);
    expect(frame.me.role).toBe("manager");
    expect(frame.sessions[0]?.attendees[0]?.role).toBe("primary");
  });

  it("decodes a customer welcome, with a fallback heartbeat", () => {
    const frame = decodeServerFrame(JSON.stringify({ type: "welcome", role: "customer", session: { id: "A" } }));
    expect(frame).toMatchObject({ type: "welcome", role: "customer", heartbeat_seconds: 25 });
  });

  it("refuses unknown or broken frames", () => {
    expect(decodeServerFrame("{")).toBeNull();
    expect(decodeServerFrame("[]")).toBeNull();
    expect(decodeServerFrame(JSON.stringify({ type: "nope" }))).toBeNull();
    expect(decodeServerFrame(JSON.stringify({ type: "event", session: "A", event: { kind: "message" } }))).toBeNull();
    expect(decodeServerFrame(JSON.stringify({ type: "ack", session: "A" }))).toBeNull();
  });

  it("decodes errors with and without client ids", () => {
    expect(decodeServerFrame(JSON.stringify({ type: "error", code: "forbidden", message: "No." }))).toEqual({
      type: "error",
      code: "forbidden",
      message: "No.",
      session: null,
      client_id: null,
      retry_after: null,
    });
    const busy = { type: "error", code: "rate_limited", message: "Wait.", client_id: "c", retry_after: 3 };
    expect(decodeServerFrame(JSON.stringify(busy))).toMatchObject({ client_id: "c", retry_after: 3 });
    expect(decodeServerFrame(JSON.stringify({ ...busy, retry_after: -1 }))).toMatchObject({ retry_after: null });
    expect(decodeServerFrame(JSON.stringify({ ...busy, retry_after: "soon" }))).toMatchObject({ retry_after: null });
    expect(
      decodeServerFrame(
        JSON.stringify({ type: "error", code: "rate_limited", message: "Wait.", session: "S", client_id: "c", retry_after: 3 }),
      ),
    ).toMatchObject({ code: "rate_limited", client_id: "c", retry_after: 3 });
  });

  it("reads a join link's secret from the page's hash, and nothing else", () => {
    expect(joinLinkSecret("#link=" + "a".repeat(43))).toBe("a".repeat(43));
    expect(joinLinkSecret("")).toBeNull();
    expect(joinLinkSecret("#link=short")).toBeNull();
    expect(joinLinkSecret("#link=" + "a".repeat(43) + "&x=1")).toBeNull();
  });

  it("decodes session codes with and without their join link", () => {
    expect(decodeSessionCode({ code: "123456789", expires_at: "t", join_url: "u", join_link: "l" })).toEqual({
      code: "123456789",
      expires_at: "t",
      join_url: "u",
      join_link: "l",
    });
    expect(decodeSessionCode({ code: "123456789", expires_at: "t", join_url: "u", join_link: null }).join_link).toBeNull();
    expect(decodeCodeJoiningPaused({ codes: [], code_joining_paused: true })).toBe(true);
    expect(decodeCodeJoiningPaused({ codes: [] })).toBe(false);
  });

  it("decodes queue frames", () => {
    const f = decodeServerFrame(JSON.stringify({ type: "queue", action: "removed", session: { id: "X", status: "active" } }));
    expect(f).toMatchObject({ type: "queue", action: "removed", session: { id: "X", status: "active" } });
  });
});

describe("decodeEvent", () => {
  it("keeps text as text and defaults what is missing", () => {
    const e = decodeEvent({
      seq: 4,
      at: "2025-01-01T00:00:00Z",
      kind: "message",
      audience: "one",
      to: { id: 4, name: "Bob" },
      author: { kind: "representative", id: 3, name: "Alice" },
      body: { text: "<b>hi</b>", nested: { no: 1 } },
    });
    expect(e?.body.text).toBe("<b>hi</b>");
    expect(e?.body["nested"]).toBeUndefined();
    expect(e?.to).toEqual({ id: 4, name: "Bob" });
    expect(e?.client_id).toBeNull();
    expect(decodeEvent({ seq: 1, author: { kind: "system" } })?.author.name).toBe("Helpline");
  });
});

describe("decodeSession", () => {
  it("fills a customer's copy (no attendee ids)", () => {
    const s = decodeSession({
      id: "7KQM-2XPD",
      status: "ended",
      portal: null,
      customer: { name: "Carol" },
      fields: { email: "c@example.com", n: 3 },
      attendees: [{ name: "Alice", role: "primary", masked: false }],
      ended_by: "Alice",
    });
    expect(s.status).toBe("ended");
    expect(s.customer.os).toBe("Unknown");
    expect(s.fields).toEqual({ email: "c@example.com", n: "3" });
    expect(s.attendees[0]?.id).toBeNull();
    expect(s.ended_by).toBe("Alice");
  });
});

describe("session tools frames and bodies", () => {
  const invitation = {
    id: 7,
    kind: "transfer",
    session: { id: "7KQM-2XPD", customer: "Dana", query: "Printer" },
    from: "Alice",
    from_id: 1,
    portal: null,
    masked: false,
    comment: "Security queue",
    expires_at: "2026-11-25T10:00:30.000Z",
  };

  it("decodes invitation frames, and the welcome's pending ones", () => {
    expect(decodeServerFrame(JSON.stringify({ type: "invitation", invitation }))).toEqual({
      type: "invitation",
      invitation: { ...invitation, kind: "transfer" },
    });
    expect(decodeServerFrame(JSON.stringify({ type: "invitation_closed", id: 7 }))).toEqual({
      type: "invitation_closed",
      id: 7,
    });
    expect(decodeServerFrame(JSON.stringify({ type: "invitation_closed" }))).toBeNull();
    expect(decodeServerFrame(JSON.stringify({ type: "invitation", invitation: { kind: "invite" } }))).toBeNull();
    const welcome = decodeServerFrame(
      JSON.stringify({ type: "welcome", role: "representative", me: {}, invitations: [invitation, "junk", { id: "x" }] }),
    );
    if (welcome?.type !== "welcome" || welcome.role !== "representative") throw new Error("wrong frame");
    expect(welcome.invitations.map((i) => i.id)).toEqual([7]);
  });

  it("falls back to an invite, unmasked, without a comment", () => {
    const frame = decodeServerFrame(JSON.stringify({ type: "invitation", invitation: { id: 3, kind: "weird" } }));
    expect(frame).toMatchObject({ invitation: { id: 3, kind: "invite", masked: false, comment: "", portal: null } });
  });

  it("reads a session's outcome and end notes, and nothing else as an outcome", () => {
    expect(decodeSession({ outcome: "resolved", end_notes: "Done" })).toMatchObject({ outcome: "resolved", end_notes: "Done" });
    expect(decodeSession({ outcome: "maybe" }).outcome).toBeNull();
    expect(decodeSession({}).end_notes).toBe("");
  });

  it("decodes script libraries, history pages and JSON transcripts", () => {
    const categories = decodeScriptCategories({
      kind: "message",
      categories: [{ id: 1, name: "Greetings", team: true, editable: false, scripts: [{ id: 2, title: "Hi", text: "Hello" }] }, null],
    });
    expect(categories).toEqual([
      { id: 1, name: "Greetings", team: true, editable: false, scripts: [{ id: 2, title: "Hi", text: "Hello" }] },
      { id: 0, name: "", team: false, editable: false, scripts: [] },
    ]);
    expect(decodeHistoryPage({ total: 3, sessions: [{ id: "A" }] })).toMatchObject({ total: 3, sessions: [{ id: "A" }] });
    const transcript = decodeTranscript({ header: ["Helpline chat log", 5], session: { id: "A" }, events: [{ seq: 1, kind: "note" }, {}] });
    expect(transcript.header).toEqual(["Helpline chat log"]);
    expect(transcript.events.map((e) => e.kind)).toEqual(["note"]);
    expect(decodeRepresentative({ id: 2, name: "Bob", online: true, active_sessions: 3 }).active_sessions).toBe(3);
  });
});

describe("files, the screen and preferences", () => {
  it("decodes shared files, dropping those without an id", () => {
    expect(
      decodeSharedFile({
        id: 4,
        name: "log.txt",
        size: 12,
        sha256: "ABCD",
        content_type: "text/plain",
        audience: "representatives",
        from: "Dana",
        state: "accepted",
        at: "2025-01-01T00:00:00Z",
      }),
    ).toEqual({
      id: 4,
      name: "log.txt",
      size: 12,
      sha256: "abcd",
      content_type: "text/plain",
      audience: "representatives",
      from: "Dana",
      state: "accepted",
      at: "2025-01-01T00:00:00Z",
    });
    expect(decodeSharedFile({ id: 5, state: "weird", audience: 3 })).toMatchObject({
      name: "file",
      state: "offered",
      audience: "customer",
    });
    expect(decodeSharedFiles({ files: [{ id: 1 }, { name: "no id" }, null] }).map((f) => f.id)).toEqual([1]);
  });

  it("decodes screen_watch and the request-alert preference", () => {
    expect(decodeServerFrame(JSON.stringify({ type: "screen_watch", session: "S1" }))).toEqual({
      type: "screen_watch",
      session: "S1",
    });
    expect(decodeServerFrame(JSON.stringify({ type: "screen_watch" }))).toBeNull();
    expect(decodePreferences({}).request_alert_seconds).toBe(30);
    expect(decodePreferences({ request_alert_seconds: 90 }).request_alert_seconds).toBe(90);
  });
});

describe("the agent's frames and bodies", () => {
  it("decodes an agent offer, and refuses one without a command", () => {
    const offer = { type: "agent_offer", session: "7KQM-2XPD", command: "helpline agent attach 'x'", expires_at: "t" };
    expect(decodeServerFrame(JSON.stringify(offer))).toEqual(offer);
    expect(decodeServerFrame(JSON.stringify({ ...offer, command: "" }))).toBeNull();
    expect(decodeServerFrame(JSON.stringify({ type: "agent_offer", session: "A" }))).toBeNull();
  });

  it("decodes an agent link", () => {
    const link = { secret_url: "https://h/attach#s", command: "helpline agent attach 'https://h/attach#s'", expires_at: "t" };
    expect(decodeAgentLink(link)).toEqual(link);
    expect(decodeAgentLink(null)).toEqual({ secret_url: "", command: "", expires_at: "" });
  });

  it("reads the customer's details and presence in a session", () => {
    const session = decodeSession({ id: "A", customer: { name: "Dana", host: "db-01", app: "agent", online: true } });
    expect(session.customer).toMatchObject({ host: "db-01", app: "agent", online: true });
  });
});
