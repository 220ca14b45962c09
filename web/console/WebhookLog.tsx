/**
 * One webhook endpoint's delivery log on the Webhooks page: each call's time, event,
 * the receiver's status code or what went wrong, the attempts and the next retry. Read
 * on opening and with Refresh, and again by itself every few seconds while a call is
 * still on its way.
 */

import { useEffect, useState } from "preact/hooks";
import { useLoaded } from "../common/useLoaded";
import { anyWaiting, deliveryRow, type Webhook } from "./webhook-rows";
import { loadDeliveries } from "./webhooks-api";

/** How often the log reads itself again while a call waits. */
const WAITING_REFRESH_MS = 3000;

export function WebhookLog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const [reads, setReads] = useState(0);
  const { value: deliveries, error, busy } = useLoaded(() => loadDeliveries(webhook.id), [webhook.id, reads]);

  const waiting = deliveries !== null && anyWaiting(deliveries);
  useEffect(() => {
    if (!waiting || busy) return;
    const timer = setTimeout(() => setReads((n) => n + 1), WAITING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [waiting, busy]);

  return (
    <section class="webhooks__log" aria-labelledby="webhook-log-heading" data-testid="webhook-log">
      <h3 id="webhook-log-heading">Delivery log</h3>
      <p class="webhooks__url mono">{webhook.url}</p>
      <div class="webhooks__buttons">
        <button type="button" onClick={() => setReads((n) => n + 1)} disabled={busy}>
          Refresh
        </button>
        <button type="button" onClick={onClose}>
          Close the log
        </button>
      </div>
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <p role="status" class="muted" data-testid="webhook-log-status">
        {deliveries === null
          ? error === null
            ? "Loading…"
            : ""
          : deliveries.length === 0
            ? "No calls yet."
            : `The last ${deliveries.length === 1 ? "call" : `${deliveries.length} calls`}, newest first.` +
              (waiting ? " Calls on their way are read again every few seconds." : "")}
      </p>
      {deliveries !== null && deliveries.length > 0 ? (
        <table class="history__table" aria-label="Deliveries" aria-busy={busy ? "true" : "false"}>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Status code or error</th>
              <th scope="col">Attempts</th>
              <th scope="col">Next retry</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => {
              const row = deliveryRow(d);
              return (
                <tr key={d.id} data-testid="delivery-row" data-state={d.state}>
                  <td>
                    <time dateTime={d.createdAt}>{row.when}</time>
                  </td>
                  <td>{row.event}</td>
                  <td>{row.state}</td>
                  <td data-testid="delivery-result">{row.result}</td>
                  <td data-testid="delivery-attempts">{row.attempts}</td>
                  <td>{row.nextRetry}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
