/**
 * The managers' Webhooks page: the endpoints the team's ticketing system is called at
 * when a session starts, ends or is transferred. Add one (its signing secret shown
 * once), switch one off or on, give it a new secret, delete it, and read its delivery
 * log (WebhookLog.tsx). The rules and the words of each row are in webhook-rows.ts.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { PortalInfo } from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { loadPortals } from "./session-actions";
import { me } from "./state";
import { WebhookLog } from "./WebhookLog";
import {
  EVENT_LABELS,
  WEBHOOK_EVENTS,
  endpointUrlError,
  eventsText,
  scopeText,
  type Webhook,
  type WebhookEvent,
} from "./webhook-rows";
import { addWebhook, deleteWebhook, loadWebhooks, rotateSecret, switchWebhook, type WithSecret } from "./webhooks-api";

const HEADING_ID = "webhooks-heading";

type Confirm = { kind: "delete" | "rotate"; webhook: Webhook } | null;

export function WebhooksPage() {
  const manager = me.value?.role === "manager";
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [portals, setPortals] = useState<PortalInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [secret, setSecret] = useState<(WithSecret & { rotated: boolean }) | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState(false);
  const [logOf, setLogOf] = useState<number | null>(null);
  // After a delete the button that opened its confirmation is gone: focus goes to the
  // list's heading instead (a cancelled one returns to the button).
  const deleted = useRef(false);

  const reload = () =>
    loadWebhooks()
      .then((list) => {
        setHooks(list);
        setError(null);
      })
      .catch((err: unknown) => setError(errorMessage(err)));

  useEffect(() => {
    if (!manager) return;
    void reload();
    loadPortals()
      .then(setPortals)
      .catch(() => undefined);
  }, [manager]);

  if (!manager) {
    return (
      <div class="page">
        <h2 class="page__title">Webhooks</h2>
        <p role="status">Only managers manage webhooks.</p>
      </div>
    );
  }

  const names = new Map(portals.map((p) => [p.slug, p.name]));
  const change = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      setStatus(await work());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
    await reload();
  };
  const confirmed = (c: NonNullable<Confirm>) => {
    deleted.current = c.kind === "delete";
    setConfirm(null);
    void change(async () => {
      if (c.kind === "delete") {
        await deleteWebhook(c.webhook.id);
        if (logOf === c.webhook.id) setLogOf(null);
        return `Deleted the endpoint ${c.webhook.url}.`;
      }
      const made = await rotateSecret(c.webhook.id);
      setSecret({ ...made, rotated: true });
      return `The endpoint ${c.webhook.url} has a new secret.`;
    });
  };
  const shownLog = hooks?.find((h) => h.id === logOf) ?? null;

  return (
    <div class="page webhooks">
      <h2 class="page__title">Webhooks</h2>
      <p class="muted">
        Helpline calls these addresses (your ticketing system) when a session starts, ends (with the outcome, the end
        notes and the chat log) or is transferred. Each call is signed with the endpoint's secret (HMAC-SHA256, in the
        X-Helpline-Signature header); a failed call is tried again later, and a session never waits for it.
      </p>
      <AddEndpoint
        portals={portals}
        onAdded={(made) => {
          setSecret({ ...made, rotated: false });
          setStatus(`Added the endpoint ${made.webhook.url}.`);
          void reload();
        }}
      />
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <p role="status" data-testid="webhooks-status">
        {status ?? ""}
      </p>
      <h3 id={HEADING_ID} tabIndex={-1}>
        Endpoints
      </h3>
      {hooks === null ? (
        error === null ? (
          <p role="status">Loading…</p>
        ) : null
      ) : hooks.length === 0 ? (
        <p>No endpoints yet.</p>
      ) : (
        <table class="history__table" aria-labelledby={HEADING_ID} aria-busy={busy ? "true" : "false"}>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Scope</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((h) => (
              <tr key={h.id} data-testid="webhook-row" data-webhook={String(h.id)}>
                <td class="mono webhooks__url">{h.url}</td>
                <td>{scopeText(h.portal, names)}</td>
                <td>{eventsText(h.events)}</td>
                <td data-testid="webhook-state">{h.enabled ? "On" : "Off"}</td>
                <td class="webhooks__actions">
                  <button
                    type="button"
                    aria-label={`Delivery log of ${h.url}`}
                    aria-expanded={logOf === h.id ? "true" : "false"}
                    aria-controls={logOf === h.id ? "webhook-log" : undefined}
                    onClick={() => setLogOf(logOf === h.id ? null : h.id)}
                  >
                    Delivery log
                  </button>{" "}
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`${h.enabled ? "Switch off" : "Switch on"} ${h.url}`}
                    onClick={() =>
                      void change(async () => {
                        const changed = await switchWebhook(h.id, !h.enabled);
                        return changed.enabled
                          ? `The endpoint ${h.url} is on again.`
                          : `The endpoint ${h.url} is off: no new calls, and waiting ones are given up.`;
                      })
                    }
                  >
                    {h.enabled ? "Switch off" : "Switch on"}
                  </button>{" "}
                  <button
                    type="button"
                    disabled={busy}
                    aria-haspopup="dialog"
                    aria-label={`New secret for ${h.url}`}
                    onClick={() => setConfirm({ kind: "rotate", webhook: h })}
                  >
                    New secret
                  </button>{" "}
                  <button
                    type="button"
                    class="danger"
                    disabled={busy}
                    aria-haspopup="dialog"
                    aria-label={`Delete ${h.url}`}
                    onClick={() => setConfirm({ kind: "delete", webhook: h })}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shownLog !== null ? (
        <div id="webhook-log">
          <WebhookLog key={shownLog.id} webhook={shownLog} onClose={() => setLogOf(null)} />
        </div>
      ) : null}
      <SecretDialog shown={secret} onClose={() => setSecret(null)} />
      <Dialog
        open={confirm !== null}
        title={confirm?.kind === "rotate" ? "Make a new secret?" : "Delete endpoint?"}
        onClose={() => {
          deleted.current = false;
          setConfirm(null);
        }}
        testId="webhook-confirm"
        returnFocus={() => (deleted.current ? document.getElementById(HEADING_ID) : null)}
      >
        {confirm !== null ? (
          <>
            <p>
              {confirm.kind === "rotate"
                ? `Calls to ${confirm.webhook.url} will be signed with a new secret, retries included; the receiver ` +
                  "must check them with the new one from then on."
                : `Helpline will no longer call ${confirm.webhook.url}, and its delivery log is deleted with it.`}
            </p>
            <div class="dialog__actions">
              <button
                type="button"
                onClick={() => {
                  deleted.current = false;
                  setConfirm(null);
                }}
              >
                Cancel
              </button>
              <button type="button" class="danger" onClick={() => confirmed(confirm)}>
                {confirm.kind === "rotate" ? "Make a new secret" : "Delete endpoint"}
              </button>
            </div>
          </>
        ) : null}
      </Dialog>
    </div>
  );
}

function AddEndpoint({ portals, onAdded }: { portals: PortalInfo[]; onAdded: (made: WithSecret) => void }) {
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
function SecretDialog({ shown, onClose }: { shown: (WithSecret & { rotated: boolean }) | null; onClose: () => void }) {
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
