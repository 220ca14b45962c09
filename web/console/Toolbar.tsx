import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import { formatCountdown, groupCode, parseTime } from "../common/format";
import type { SessionCode } from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";
import { PreferencesDialog } from "./PreferencesDialog";
import { ExitAllDialog } from "./SessionDialogs";
import { logout } from "./lifecycle";
import { activeCodes, cancelCode, createCode, loadCodes } from "./session-actions";
import { codeJoiningPaused, type ConsoleView, me, mySessions, now, view } from "./state";

type Open = null | "codes" | "prefs" | "exit-all";

export function Toolbar() {
  const [open, setOpen] = useState<Open>(null);
  const who = me.value;
  const close = () => setOpen(null);

  return (
    <header class="toolbar">
      <h1 class="toolbar__brand">
        <span class="brand-mark" aria-hidden="true">
          ☎
        </span>{" "}
        Helpline <span class="visually-hidden">console</span>
      </h1>
      <nav class="toolbar__nav" aria-label="Console pages">
        <PageLink to="chats" href="#/" label="Chats" />
        <PageLink to="library" href="#/library" label="Library" />
        {who?.role === "manager" ? (
          <>
            <PageLink to="history" href="#/history" label="History" />
            <PageLink to="webhooks" href="#/webhooks" label="Webhooks" />
          </>
        ) : null}
      </nav>
      <div class="toolbar__actions" role="group" aria-label="Console actions">
        <button type="button" onClick={() => setOpen("codes")} aria-haspopup="dialog">
          Session code
        </button>
        <button
          type="button"
          aria-haspopup="dialog"
          disabled={mySessions.value.length === 0}
          title={mySessions.value.length === 0 ? "You are in no open session." : undefined}
          onClick={() => setOpen("exit-all")}
        >
          Exit all sessions
        </button>
        <button type="button" onClick={() => setOpen("prefs")} aria-haspopup="dialog">
          Chat Preferences
        </button>
      </div>
      <div class="toolbar__me">
        <span class="toolbar__name" data-testid="me-name">
          {who?.name}
        </span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </div>
      <CodesDialog open={open === "codes"} onClose={close} />
      <PreferencesDialog open={open === "prefs"} onClose={close} />
      <ExitAllDialog open={open === "exit-all"} onClose={close} />
    </header>
  );
}

function PageLink({ to, href, label }: { to: ConsoleView; href: string; label: string }) {
  const current = view.value === to;
  return (
    <a href={href} class={`toolbar__link${current ? " is-current" : ""}`} aria-current={current ? "page" : undefined}>
      {label}
    </a>
  );
}

function CodesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Session code" onClose={onClose} testId="session-code-dialog" class="dialog--wide">
      <CodesBody />
    </Dialog>
  );
}

/** Mounted while the dialog is open: makes a new code at once and lists the active ones. */
function CodesBody() {
  const [latest, setLatest] = useState<SessionCode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const make = async () => {
    setBusy(true);
    setError(null);
    try {
      setLatest(await createCode());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
    await loadCodes().catch(() => undefined);
  };

  useEffect(() => {
    void make();
  }, []);

  const t = now.value;
  const list = activeCodes(t);

  return (
    <div class="stack">
      {latest !== null ? (
        <div class="code-card" data-testid="new-code">
          <p class="code-card__label">Read this code to the customer:</p>
          <output class="code-card__code" data-testid="session-code" aria-label={`Session code ${groupCode(latest.code)}`}>
            {groupCode(latest.code)}
          </output>
          <p>
            Expires in{" "}
            <span data-testid="code-countdown">{formatCountdown((parseTime(latest.expires_at) ?? t) - t)}</span>
          </p>
          <JoinLink code={latest} />
        </div>
      ) : busy ? (
        <p role="status">Making a new code…</p>
      ) : null}
      {codeJoiningPaused.value ? (
        <p class="notice notice--error" role="alert" data-testid="code-joining-paused">
          Joining by code is throttled right now: too many wrong codes were tried on this server. Send the
          customer the join link instead.
        </p>
      ) : null}
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div>
        <button type="button" onClick={() => void make()} disabled={busy}>
          New session code
        </button>
      </div>
      <section aria-labelledby="active-codes-heading">
        <h3 id="active-codes-heading">Your active codes</h3>
        {list.length === 0 ? (
          <p>No active codes.</p>
        ) : (
          <ul class="code-list" aria-label="Active session codes">
            {list.map((c) => (
              <li key={c.code} data-testid="active-code" data-code={c.code}>
                <span class="code-list__code">{groupCode(c.code)}</span>{" "}
                <span class="muted">expires in {formatCountdown((parseTime(c.expires_at) ?? t) - t)}</span>{" "}
                <button
                  type="button"
                  class="link-button"
                  aria-label={`Cancel code ${groupCode(c.code)}`}
                  onClick={() =>
                    void cancelCode(c.code).catch((err: unknown) => setError(errorMessage(err)))
                  }
                >
                  Cancel
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The code's join link: its secret is too long to guess, so it is never throttled. */
function JoinLink({ code }: { code: SessionCode }) {
  const [copied, setCopied] = useState(false);
  const url = code.join_link ?? code.join_url;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div>
      <p>
        Or send this join link:{" "}
        <a href={url} class="code-card__link" target="_blank" rel="noopener noreferrer" data-testid="join-url">
          {url}
        </a>{" "}
        <button type="button" class="link-button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy link"}
        </button>
      </p>
      {code.join_link !== null ? (
        <p class="muted" data-testid="join-link-why">
          The link works even while joining by code is throttled (after many wrong codes on this server). It is
          shown only now: copy it before closing this window.
        </p>
      ) : null}
    </div>
  );
}
