/**
 * The Webhooks page's forms: adding an endpoint (its address checked before it is
 * sent, its events, whose sessions) and the window that shows a signing secret, once.
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { PortalInfo } from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { EVENT_LABELS, WEBHOOK_EVENTS, endpointUrlError, type WebhookEvent } from "./webhook-rows";
import { addWebhook, type WithSecret } from "./webhooks-api";

/** A secret to show: just made with its endpoint, or a new one (rotated). */
export type ShownSecret = WithSecret & { rotated: boolean };

export function AddEndpoint({ portals, onAdded }: { portals: PortalInfo[]; onAdded: (made: WithSecret) => void }) {
  const [url, setUrl] = useState("");
  const [urlError, setUrlError] = useState<string | null>(null);
  const [events, setEvents] = useState<readonly WebhookEvent[]>(WEBHOOK_EVENTS);
  const [scope, setScope] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noEvents = events.length === 0;

  const submit = async () => {
    const problem = endpointUrlError(url);
    setUrlError(problem);
    setError(null);
    if (problem !== null) {
      document.getElementById("webhook-url")?.focus();
      return;
    }
    if (noEvents) return;
    setBusy(true);
    try {
      onAdded(await addWebhook(url.trim(), [...events], scope === "" ? null : scope));
      setUrl("");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="history__filters webhooks__form"
      aria-label="Add an endpoint"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <TextField
        class="field webhooks__wide"
        id="webhook-url"
        label="Endpoint address"
        value={url}
        onValue={(value) => {
          setUrl(value);
          setUrlError(null);
        }}
        error={urlError}
        hint="https:// (or http://) and the path your ticketing system listens on."
        type="url"
        inputMode="url"
        autoComplete="off"
        spellcheck={false}
        maxLength={2000}
      />
      <fieldset class="webhooks__wide" aria-describedby={noEvents ? "webhook-events-error" : undefined}>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} class="check webhooks__event">
            <input
              type="checkbox"
              checked={events.includes(event)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setEvents(WEBHOOK_EVENTS.filter((x) => (x === event ? on : events.includes(x))));
              }}
            />
            {EVENT_LABELS[event]} <span class="muted mono">({event})</span>
          </label>
        ))}
        {noEvents ? (
          <p id="webhook-events-error" class="form-error" role="alert">
            Choose at least one event.
          </p>
        ) : null}
      </fieldset>
      <div class="field">
        <label for="webhook-scope">Sessions of</label>
        <select id="webhook-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
          <option value="">The whole team</option>
          {portals.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <div class="history__buttons">
        <button type="submit" class="primary" disabled={busy || noEvents} aria-haspopup="dialog">
          Add endpoint
        </button>
      </div>
      {error !== null ? (
        <p class="form-error webhooks__wide" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** The signing secret, shown once: just after adding an endpoint or making it a new one. */
export function SecretDialog({ shown, onClose }: { shown: ShownSecret | null; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [shown]);
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Dialog
      open={shown !== null}
      title={shown?.rotated === true ? "New signing secret" : "Signing secret"}
      onClose={onClose}
      testId="webhook-secret-dialog"
      class="dialog--wide"
    >
      {shown !== null ? (
        <div class="stack">
          <p>
            Calls to <span class="mono webhooks__url">{shown.webhook.url}</span> are signed with this secret. It is
            shown only now: put it in your receiver before closing this window. If it is lost, make a new one with
            New secret.
          </p>
          <p>
            <code class="webhooks__secret" data-testid="webhook-secret">
              {shown.secret}
            </code>
          </p>
          <div class="dialog__actions">
            <button type="button" onClick={() => void copy(shown.secret)}>
              {copied ? "Copied" : "Copy secret"}
            </button>
            <button type="button" class="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
