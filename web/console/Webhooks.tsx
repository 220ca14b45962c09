/**
 * The managers' Webhooks page: the endpoints the team's ticketing system is called at
 * when a session starts, ends or is transferred. Add one (its signing secret shown
 * once, WebhookForms.tsx), switch one off or on, give it a new secret, delete it, and
 * read its delivery log (WebhookLog.tsx). The rules and the words of each row are in
 * webhook-rows.ts.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { PortalInfo } from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";
import { loadPortals } from "./session-actions";
import { me } from "./state";
import { AddEndpoint, SecretDialog, type ShownSecret } from "./WebhookForms";
import { WebhookLog } from "./WebhookLog";
import { eventsText, scopeText, type Webhook } from "./webhook-rows";
import { deleteWebhook, loadWebhooks, rotateSecret, switchWebhook } from "./webhooks-api";

const HEADING_ID = "webhooks-heading";

type Confirm = { kind: "delete" | "rotate"; webhook: Webhook } | null;

export function WebhooksPage() {
  const manager = me.value?.role === "manager";
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [portals, setPortals] = useState<PortalInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [secret, setSecret] = useState<ShownSecret | null>(null);
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
