import { useEffect, useState } from "preact/hooks";
import { Connection } from "../common/connection";
import type { ConnectionState } from "../common/connection-types";
import type { Session, SessionEvent } from "../common/protocol";
import { ScreenFeed, ScreenWatch, type ScreenImage } from "../common/screen-feed";
import { screenStatus } from "../common/screen-status";

/** `/console?viewer=ID`: the Viewer window's session ID, or null for the console. */
export function viewerSession(search: string): string | null {
  const id = new URLSearchParams(search).get("viewer");
  return id !== null && /^[0-9A-Za-z-]{1,32}$/.test(id) ? id : null;
}

/**
 * The Viewer window: the customer's screen, large. It has its own console socket (the
 * login cookie is shared with the console), says "watching" every five seconds while
 * open and "no longer" when it closes; the customer's window then sends viewer frames.
 */
export function ViewerApp({ sessionId }: { sessionId: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [events, setEvents] = useState<readonly SessionEvent[]>([]);
  const [image, setImage] = useState<ScreenImage | null>(null);
  const [state, setState] = useState<ConnectionState>({ phase: "connecting" });
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const feed = new ScreenFeed();
    let watch: ScreenWatch | null = null;
    const seen = new Set<number>();
    const connection = new Connection({
      path: "/ws/console",
      storage: null,
      handlers: {
        frame(frame) {
          switch (frame.type) {
            case "welcome":
              if (watch === null) {
                watch = new ScreenWatch(sessionId, (f) => connection.sendControl(f));
                watch.start();
              } else {
                watch.poke();
              }
              return;
            case "subscribed":
            case "session":
              if (frame.session.id === sessionId) setSession(frame.session);
              return;
            case "error":
              if (frame.session === sessionId || frame.session === null) setProblem(frame.message);
              return;
            default:
              return;
          }
        },
        event(id, event) {
          if (id !== sessionId || seen.has(event.seq)) return;
          seen.add(event.seq);
          setEvents((list) => [...list, event].sort((a, b) => a.seq - b.seq));
          if (event.kind === "status" && (event.body.action === "screen_stopped" || event.body.action === "ended")) {
            feed.clear(sessionId);
          }
        },
        binary(data) {
          const frame = feed.receive(data);
          if (frame !== null && frame.session !== sessionId) feed.clear(frame.session);
        },
        state: setState,
      },
    });
    const stopListening = feed.listen((id) => {
      if (id === sessionId) setImage(feed.best(sessionId));
    });
    connection.subscribe(sessionId);
    connection.start();
    const close = () => {
      watch?.stop();
      connection.stop();
    };
    window.addEventListener("pagehide", close);
    return () => {
      window.removeEventListener("pagehide", close);
      stopListening();
      close();
      feed.clearAll();
    };
  }, [sessionId]);

  const customer = session?.customer.name ?? "";
  useEffect(() => {
    document.title = customer !== "" ? `Screen of ${customer} · ${sessionId} · Helpline` : `Screen · ${sessionId} · Helpline`;
  }, [customer, sessionId]);

  const status = screenStatus(events);
  const sharing = status.state === "sharing";
  const ended = session?.status === "ended";
  const shown = sharing ? image : null;
  const loggedOut = state.phase === "closed" && (state.reason === "logged_out" || state.reason === "expired");

  return (
    <div class="viewer">
      <header class="viewer__bar">
        <h1 class="viewer__title">
          Screen of {customer || "the customer"} <span class="muted">{sessionId}</span>
        </h1>
        <p class="viewer__status" role="status" data-testid="viewer-status" data-state={status.state}>
          {loggedOut
            ? "Log in to the console, then open the viewer again."
            : ended
              ? "The session has ended."
              : state.phase === "reconnecting"
                ? "Connection lost. Reconnecting…"
                : state.phase === "connecting"
                  ? "Connecting…"
                  : sharing && shown === null
                    ? "Shared: the first picture is on its way…"
                    : status.text}
        </p>
        <button type="button" onClick={() => window.close()}>
          Close viewer
        </button>
      </header>
      {problem !== null ? (
        <p class="banner banner--error" role="alert" data-testid="viewer-error">
          {problem}
        </p>
      ) : null}
      <main class="viewer__stage" id="main">
        {shown !== null ? (
          <img
            class="viewer__image"
            src={shown.url}
            alt={`The screen of ${customer || "the customer"}`}
            data-testid="viewer-image"
            data-kind={shown.kind}
            data-frame={shown.count}
            data-width={shown.width}
            data-height={shown.height}
          />
        ) : (
          <p class="viewer__empty muted">{sharing ? "Waiting for the first picture…" : "Nothing is shared now."}</p>
        )}
      </main>
    </div>
  );
}
