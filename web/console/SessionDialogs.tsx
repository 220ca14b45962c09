/**
 * The dialogs of the session tools: invite and transfer, close with an outcome, leave,
 * and exit all sessions.
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { Outcome, Representative } from "../common/protocol";
import type { PortalInfo } from "../common/protocol-bodies";
import { ConfirmDialog, Dialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { useLoaded } from "../common/useLoaded";
import {
  closeSession,
  exitAllSessions,
  leaveSession,
  loadPortals,
  loadRepresentatives,
  sendInvitation,
} from "./session-actions";
import { me, showNotice, type Tab } from "./state";

export const OUTCOME_LABELS: Record<Outcome, string> = {
  resolved: "Resolved",
  unresolved: "Unresolved",
  unknown: "Unknown",
};

function customerOf(tab: Tab): string {
  return tab.session.customer.name || "the customer";
}

// ---------------------------------------------------------------- invite and transfer

export function InviteDialog({
  open,
  kind,
  tab,
  onClose,
}: {
  open: boolean;
  kind: "invite" | "transfer";
  tab: Tab | null;
  onClose: () => void;
}) {
  const title = kind === "invite" ? "Invite a representative" : "Transfer session";
  return (
    <Dialog open={open} title={title} onClose={onClose} testId={`${kind}-dialog`} class="dialog--wide">
      {tab !== null ? <InviteForm kind={kind} tab={tab} onDone={onClose} /> : null}
    </Dialog>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Mounted while the dialog is open: reads who is online and the portals afresh. */
function InviteForm({ kind, tab, onDone }: { kind: "invite" | "transfer"; tab: Tab; onDone: () => void }) {
  const loaded = useLoaded(() => Promise.all([loadRepresentatives(), loadPortals()]), []);
  const [target, setTarget] = useState("");
  const [masked, setMasked] = useState(false);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const idPrefix = `${kind}-target`;
  // Colleagues that could not be read show as none, beside the error.
  const reps: Representative[] | null = loaded.error !== null ? [] : (loaded.value?.[0] ?? null);
  const portals: PortalInfo[] = loaded.error !== null ? [] : (loaded.value?.[1] ?? []);

  // The form's one error line: the read's error until the next submit clears it.
  useEffect(() => {
    if (loaded.error !== null) setError(loaded.error);
  }, [loaded.error]);

  const myId = me.value?.id;
  const present = new Set(tab.session.attendees.filter((a) => a.present).map((a) => a.id));
  const candidates = (reps ?? []).filter((r) => r.id !== myId && !present.has(r.id));
  const sorted = [...candidates].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (target === "") {
      setError(kind === "invite" ? "Choose whom to invite." : "Choose whom to transfer the session to.");
      return;
    }
    const [what, value = ""] = target.split(":", 2);
    setBusy(true);
    setError(null);
    try {
      await sendInvitation(tab.id, {
        kind,
        username: what === "rep" ? value : undefined,
        portal: what === "portal" ? value : undefined,
        masked,
        comment: comment.trim(),
      });
      const whom =
        what === "rep"
          ? (reps?.find((r) => r.username === value)?.name ?? value)
          : `the ${portals.find((p) => p.slug === value)?.name ?? value} queue`;
      showNotice(
        kind === "invite"
          ? `Invitation sent to ${whom}. It expires in 30 seconds.`
          : `Asked ${whom} to take over the session. The offer expires in 30 seconds.`,
      );
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
      <p>
        {kind === "invite"
          ? `Invite a colleague into the session with ${customerOf(tab)} (${tab.id}).`
          : `Hand the session with ${customerOf(tab)} (${tab.id}) over. Whoever accepts sees the whole ` +
            "history and becomes the primary representative; you leave the session."}
      </p>
      <fieldset>
        <legend>{kind === "invite" ? "Invite whom" : "Transfer to"}</legend>
        {reps === null ? <p role="status">Loading representatives…</p> : null}
        {reps !== null && sorted.length === 0 ? <p class="muted">No other representative to ask.</p> : null}
        <ul class="choice-list" aria-label="Representatives">
          {sorted.map((r) => {
            const id = `${idPrefix}-rep-${r.id}`;
            return (
              <li key={r.id} class="check">
                <input
                  type="radio"
                  id={id}
                  name={idPrefix}
                  value={`rep:${r.username}`}
                  checked={target === `rep:${r.username}`}
                  disabled={!r.online}
                  onChange={() => setTarget(`rep:${r.username}`)}
                />
                <label for={id}>
                  {r.name}{" "}
                  <span class="muted">
                    ({r.online ? "online" : "offline"}, {plural(r.active_sessions, "active session", "active sessions")})
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
        {portals.length > 0 ? (
          <ul class="choice-list" aria-label="Portals">
            {portals.map((p) => {
              const id = `${idPrefix}-portal-${p.slug}`;
              return (
                <li key={p.slug} class="check">
                  <input
                    type="radio"
                    id={id}
                    name={idPrefix}
                    value={`portal:${p.slug}`}
                    checked={target === `portal:${p.slug}`}
                    onChange={() => setTarget(`portal:${p.slug}`)}
                  />
                  <label for={id}>
                    Everyone on {p.name} <span class="muted">(the first to accept)</span>
                  </label>
                </li>
              );
            })}
          </ul>
        ) : null}
      </fieldset>
      {kind === "invite" ? (
        <div class="check">
          <input id="invite-masked" type="checkbox" checked={masked} onChange={(e) => setMasked(e.currentTarget.checked)} />
          <label for="invite-masked">Mask representatives when they join</label>
        </div>
      ) : null}
      {kind === "invite" && masked ? (
        <p class="muted">The customer will not see a masked representative, their messages or that they joined.</p>
      ) : null}
      <TextField
        multiline
        id={`${kind}-comment`}
        label="Comment (only representatives see it)"
        value={comment}
        onValue={setComment}
        rows={2}
        maxLength={500}
      />
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="dialog__actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {kind === "invite" ? "Send invitation" : "Transfer session"}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- close

export function CloseSessionDialog({ open, tab, onClose }: { open: boolean; tab: Tab | null; onClose: () => void }) {
  return (
    <Dialog open={open} title="Close session" onClose={onClose} testId="close-session-dialog">
      {tab !== null ? <CloseForm tab={tab} onDone={onClose} /> : null}
    </Dialog>
  );
}

function CloseForm({ tab, onDone }: { tab: Tab; onDone: () => void }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [notes, setNotes] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (outcome === null) {
      setError("Choose an outcome: Resolved, Unresolved or Unknown.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await closeSession(tab.id, outcome, notes.trim());
      showNotice(`Session ${tab.id} is closed (${OUTCOME_LABELS[outcome]}).`);
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
      <p>
        Close the session with {customerOf(tab)} ({tab.id})? It ends for everyone, the customer included.
      </p>
      <fieldset>
        <legend>Outcome</legend>
        {(Object.keys(OUTCOME_LABELS) as Outcome[]).map((value) => (
          <div key={value} class="check check--row">
            <input
              type="radio"
              id={`outcome-${value}`}
              name="outcome"
              value={value}
              checked={outcome === value}
              onChange={() => setOutcome(value)}
            />
            <label for={`outcome-${value}`}>{OUTCOME_LABELS[value]}</label>
          </div>
        ))}
      </fieldset>
      <TextField
        multiline
        id="end-notes"
        label="End-of-session notes"
        value={notes}
        onValue={setNotes}
        rows={4}
        maxLength={4000}
        placeholder="What was done, what is left (representatives only)"
      />
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="dialog__actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="danger" disabled={busy}>
          Close session
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- leave, exit all

export function LeaveDialog({ open, tab, onClose }: { open: boolean; tab: Tab | null; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const primary = tab !== null && tab.session.attendees.some((a) => a.id === me.value?.id && a.role === "primary");
  const others = tab !== null && tab.session.attendees.some((a) => a.present && a.id !== me.value?.id);
  const message =
    tab === null
      ? ""
      : `Leave the session with ${customerOf(tab)} (${tab.id})? Only you leave; ` +
        (primary && !others
          ? "the customer goes back to the waiting list."
          : primary
            ? "the customer stays with the other representatives and goes back to the waiting list for a new primary."
            : "the customer stays with the other representatives.");

  useEffect(() => {
    if (open) setError(null);
  }, [open]);

  return (
    <ConfirmDialog
      open={open}
      title="Leave session?"
      message={message}
      confirmLabel="Leave session"
      busy={busy}
      error={error}
      onCancel={onClose}
      onConfirm={() => {
        if (tab === null) return;
        const id = tab.id;
        setBusy(true);
        setError(null);
        leaveSession(id)
          .then(() => {
            showNotice(`You left session ${id}.`);
            onClose();
          })
          .catch((err: unknown) => setError(errorMessage(err)))
          .finally(() => setBusy(false));
      }}
    />
  );
}

export function ExitAllDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (open) setError(null);
  }, [open]);

  return (
    <ConfirmDialog
      open={open}
      title="Exit all sessions?"
      message="Leave every session you are in? The customers stay with the other representatives or go back to the waiting list."
      confirmLabel="Exit all sessions"
      busy={busy}
      error={error}
      onCancel={onClose}
      onConfirm={() => {
        setBusy(true);
        setError(null);
        exitAllSessions()
          .then((count) => {
            showNotice(count === 0 ? "You were in no open session." : `You left ${plural(count, "session", "sessions")}.`);
            onClose();
          })
          .catch((err: unknown) => setError(errorMessage(err)))
          .finally(() => setBusy(false));
      }}
    />
  );
}
