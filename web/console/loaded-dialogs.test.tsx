// @vitest-environment happy-dom
/**
 * The dialogs that read what they show from the server when they open (the script
 * pickers, the invite form, the Diagnostics window): what they show once it is read,
 * and when it cannot be read. The server is a stub of ``fetch`` answering by path.
 */
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeSession } from "../common/protocol";
import { DiagnosticsWindow, openDiagnostics } from "./DiagnosticsWindow";
import { newTab } from "./frame-reducer";
import { ScriptPicker } from "./ScriptPicker";
import { InviteDialog } from "./SessionDialogs";
import type { Tab } from "./state";

let root: HTMLElement;
const noop = () => undefined;

/** The server: each path's JSON body, or a status it fails with. */
function serve(answers: Record<string, unknown>): void {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string) => {
      const answer = answers[path];
      if (answer === undefined) {
        return new Response(JSON.stringify({ error: { code: "not_found", message: `No ${path} here.` } }), {
          status: 404,
        });
      }
      if (typeof answer === "number") {
        return new Response(JSON.stringify({ error: { code: "unavailable", message: "The database is away." } }), {
          status: answer,
        });
      }
      return new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

function text(): string {
  return root.textContent ?? "";
}

function tab(): Tab {
  const session = decodeSession({
    id: "AHEC-GT4C",
    status: "active",
    customer: { name: "Dana", app: "agent" },
    attendees: [],
  });
  if (session === null) throw new Error("bad session");
  return newTab(session, 0);
}

beforeEach(() => {
  root = document.createElement("div");
  document.body.append(root);
});

afterEach(() => {
  act(() => render(null, root));
  root.remove();
  vi.unstubAllGlobals();
});

describe("the script picker", () => {
  const library = {
    kind: "message",
    categories: [
      {
        id: 1,
        name: "Greetings",
        team: true,
        editable: false,
        scripts: [
          { id: 1, title: "Hello", text: "Hello {customer.name}" },
          { id: 2, title: "Bye", text: "Goodbye" },
        ],
      },
    ],
  };

  it("shows the library once read, and a search narrows it", async () => {
    serve({ "/api/scripts?kind=message": library });
    act(() => render(<ScriptPicker open kind="message" onClose={noop} onChoose={noop} />, root));
    expect(text()).toContain("Loading scripted messages");
    await settle();
    expect(text()).not.toContain("Loading");
    const items = () => [...root.querySelectorAll("[data-testid=picker-item]")].map((b) => b.textContent);
    expect(items()).toEqual(["HelloHello {customer.name}", "ByeGoodbye"]);
  });

  it("shows why it could not read the library, and the way to the Library, not a spinner", async () => {
    serve({ "/api/scripts?kind=url": 503 });
    act(() => render(<ScriptPicker open kind="url" onClose={noop} onChoose={noop} />, root));
    await settle();
    expect(root.querySelector("[role=alert]")?.textContent).toBe("The database is away.");
    expect(text()).not.toContain("Loading");
    expect(text()).toContain("There are no scripted URLs yet.");
  });
});

describe("the invite form", () => {
  it("lists the colleagues online and the portals once read", async () => {
    serve({
      "/api/representatives": {
        representatives: [{ id: 2, name: "Bob", username: "bob", online: true, active_sessions: 1 }],
      },
      "/api/portals": { portals: [{ slug: "printers", name: "Printers", greeting: "", member: true }] },
    });
    act(() => render(<InviteDialog open kind="invite" tab={tab()} onClose={noop} />, root));
    expect(text()).toContain("Loading representatives");
    await settle();
    expect(text()).toContain("Bob (online, 1 active session)");
    expect(text()).toContain("Everyone on Printers");
    expect(root.querySelector("[role=alert]")).toBeNull();
  });

  it("says why it could not read them, and offers nobody", async () => {
    serve({ "/api/representatives": 503, "/api/portals": { portals: [] } });
    act(() => render(<InviteDialog open kind="transfer" tab={tab()} onClose={noop} />, root));
    await settle();
    expect(root.querySelector("[role=alert]")?.textContent).toBe("The database is away.");
    expect(text()).toContain("No other representative to ask.");
    expect(text()).not.toContain("Loading");
  });
});

describe("the Diagnostics window", () => {
  const summary = (id: number, at: string) => ({ id, at, request: "r", task: null, elevated: false, sections: 1 });
  const stored = (id: number, at: string) => ({
    ...summary(id, at),
    report: { collected_at: at, elevated: false, sections: [{ id: "os", title: "System", fields: [], table: null }] },
  });
  const reports = {
    "/api/sessions/AHEC-GT4C/diagnostics": {
      diagnostics: [summary(1, "2026-12-04T10:00:00Z"), summary(2, "2026-12-04T11:00:00Z")],
    },
    "/api/diagnostics/1": stored(1, "2026-12-04T10:00:00Z"),
    "/api/diagnostics/2": stored(2, "2026-12-04T11:00:00Z"),
  };
  const collected = () => root.querySelector("[data-testid=diagnostics-collected]")?.textContent ?? "";

  it("shows the newest report", async () => {
    serve(reports);
    openDiagnostics("AHEC-GT4C");
    act(() => render(<DiagnosticsWindow tab={tab()} />, root));
    await settle();
    expect(collected()).toContain("2026-12-04T11:00:00Z");
  });

  it("shows the report it was opened on", async () => {
    serve(reports);
    openDiagnostics("AHEC-GT4C", 1);
    act(() => render(<DiagnosticsWindow tab={tab()} />, root));
    await settle();
    expect(collected()).toContain("2026-12-04T10:00:00Z");
  });

  it("says why it could not read the reports", async () => {
    serve({ "/api/sessions/AHEC-GT4C/diagnostics": 503 });
    openDiagnostics("AHEC-GT4C");
    act(() => render(<DiagnosticsWindow tab={tab()} />, root));
    await settle();
    expect(root.querySelector("[role=alert]")?.textContent).toBe("The database is away.");
    expect(root.querySelector("[data-testid=diagnostics-empty]")).not.toBeNull();
  });
});
