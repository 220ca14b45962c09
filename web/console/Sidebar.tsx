import { useState } from "preact/hooks";
import { formatCountdown, parseTime } from "../common/format";
import type { Session } from "../common/protocol";
import { NotifyOffer } from "./NotifyOffer";
import { pickUp } from "./session-actions";
import { activeId, mySessions, now, queue } from "./state";
import { selectTab } from "./tabs";

function waited(session: Session, at: number): string {
  const started = parseTime(session.started_at);
  return started === null ? "" : formatCountdown(at - started);
}

export function Sidebar() {
  const t = now.value;
  const waiting = queue.value;
  const mine = mySessions.value;
  return (
    <aside class="sidebar" aria-label="Sessions overview">
      <NotifyOffer />
      <section aria-labelledby="queue-heading" class="sidebar__section">
        <h2 id="queue-heading">
          Waiting <span class="count" data-testid="queue-count">{waiting.length}</span>
        </h2>
        {waiting.length === 0 ? (
          <p class="muted">No one is waiting.</p>
        ) : (
          <ul class="session-list" aria-label="Waiting sessions">
            {waiting.map((s) => (
              <QueueItem key={s.id} session={s} waitedFor={waited(s, t)} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mine-heading" class="sidebar__section">
        <h2 id="mine-heading">
          My sessions <span class="count">{mine.length}</span>
        </h2>
        {mine.length === 0 ? (
          <p class="muted">You have no open sessions.</p>
        ) : (
          <ul class="session-list" aria-label="My sessions">
            {mine.map((tab) => (
              <li key={tab.id} data-testid="my-session" data-session={tab.id}>
                <button
                  type="button"
                  class={`session-list__open${activeId.value === tab.id ? " is-current" : ""}`}
                  aria-current={activeId.value === tab.id ? "true" : undefined}
                  onClick={() => selectTab(tab.id)}
                >
                  <span class="session-list__name">{tab.session.customer.name || "Customer"}</span>
                  <span class="muted">
                    {tab.id}
                    {tab.session.portal !== null ? ` · ${tab.session.portal.name}` : ""}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  );
}

function QueueItem({ session, waitedFor }: { session: Session; waitedFor: string }) {
  const [busy, setBusy] = useState(false);
  const name = session.customer.name || "Customer";
  return (
    <li class="queue-item" data-testid="queue-item" data-session={session.id}>
      <div class="queue-item__head">
        <span class="session-list__name">{name}</span>
        {waitedFor !== "" ? <span class="muted"> waiting {waitedFor}</span> : null}
      </div>
      <div class="muted">
        {session.id}
        {session.portal !== null ? ` · ${session.portal.name}` : ""}
      </div>
      {session.query !== "" ? <p class="queue-item__query">{session.query}</p> : null}
      <button
        type="button"
        class="primary"
        aria-label={`Pick up ${name}`}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void pickUp(session).finally(() => setBusy(false));
        }}
      >
        Pick up
      </button>
    </li>
  );
}
