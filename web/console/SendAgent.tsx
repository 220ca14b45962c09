/**
 * "Send the agent to the customer": the command that attaches the Helpline agent to this
 * session, made on the server, shown here to read out on the phone and to copy, and
 * shown in the customer's chat window at the same time.
 */

import { useEffect, useState } from "preact/hooks";
import { api, errorMessage, seg } from "../common/api";
import { formatClock } from "../common/format";
import { type AgentLink, decodeAgentLink } from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";

/** Make the session's agent link (replacing the last one); the customer's window shows it. */
export async function sendAgent(sessionId: string): Promise<AgentLink> {
  return decodeAgentLink(await api("POST", `/api/sessions/${seg(sessionId)}/agent-link`));
}

export const SEND_AGENT_TITLE = "Send the agent to the customer";

export function SendAgentButton({
  sessionId,
  customerName,
  disabled,
}: {
  sessionId: string;
  customerName: string;
  disabled: boolean;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" disabled={disabled} onClick={() => setOpen(true)}>
        {SEND_AGENT_TITLE}
      </button>
      <SendAgentDialog open={open} onClose={() => setOpen(false)} sessionId={sessionId} customerName={customerName} />
    </>
  );
}

/** The dialog alone, for the Session features menu. */
export function SendAgentDialog({
  open,
  onClose,
  sessionId,
  customerName,
}: {
  open: boolean;
  onClose: () => void;
  sessionId: string;
  customerName: string;
}) {
  return (
    <Dialog open={open} title={SEND_AGENT_TITLE} onClose={onClose} testId="send-agent">
      <SendAgentBody sessionId={sessionId} customerName={customerName} />
    </Dialog>
  );
}

/** Mounted while the dialog is open: each opening makes a fresh link. */
function SendAgentBody({ sessionId, customerName }: { sessionId: string; customerName: string }) {
  const [link, setLink] = useState<AgentLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const make = async () => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      setLink(await sendAgent(sessionId));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void make();
  }, [sessionId]);

  const copy = async () => {
    if (link === null) return;
    try {
      await navigator.clipboard.writeText(link.command);
      setCopied(true);
    } catch {
      setError("Could not copy: select the command and copy it yourself.");
    }
  };

  return (
    <div>
      <p>
        The Helpline agent can reach {customerName}'s computer (files, diagnostics), each time with their consent.
        They run this command on it; their chat window shows it too.
      </p>
      {busy && link === null ? <p role="status">Making a link…</p> : null}
      {link !== null ? (
        <>
          <code class="agent-command" data-testid="agent-command">
            {link.command}
          </code>
          <p class="muted" data-testid="agent-link-expiry">
            It works once, until {formatClock(link.expires_at)}. A new one replaces it.
          </p>
        </>
      ) : null}
      {error !== null ? (
        <p class="form-error" role="alert" data-testid="agent-link-error">
          {error}
        </p>
      ) : null}
      <div class="dialog__actions">
        <button type="button" disabled={link === null} onClick={() => void copy()}>
          {copied ? "Copied" : "Copy command"}
        </button>
        <button type="button" disabled={busy} onClick={() => void make()}>
          New link
        </button>
      </div>
    </div>
  );
}
