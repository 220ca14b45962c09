import { useLayoutEffect, useRef } from "preact/hooks";
import { computerDetails, customerApp, customerPresence } from "../common/computer";
import { formatDateTime } from "../common/format";
import { noteLines } from "../common/lines";
import { Composer } from "../common/ui/Composer";
import { consoleViewer } from "./ChatBox";
import { MaskIcon } from "./icons";
import { ScreenPane } from "./ScreenPane";
import { OUTCOME_LABELS } from "./SessionDialogs";
import { pendingFor, sendNote } from "./session-actions";
import { me, type Tab } from "./state";
import { setNoteDraft } from "./tabs";

export const RIGHT_NAV_ID = "right-nav";

const FIELD_LABELS: Record<string, string> = { email: "Email", phone: "Phone", company: "Company" };

/** Details, attendees, notes and the customer's screen of the focused session. */
export function RightNav({ tab, open }: { tab: Tab | null; open: boolean }) {
  const panel = useRef<HTMLElement>(null);
  const tabId = tab?.id ?? null;
  // One panel serves every tab: without this, a tab selected after scrolling another
  // down to its notes or screen would open scrolled past its own Details.
  useLayoutEffect(() => {
    if (panel.current !== null) panel.current.scrollTop = 0;
  }, [tabId]);
  // A tab stop of its own: the panel scrolls, and once a session has ended nothing in
  // it takes the focus, so without one a keyboard could not scroll to its notes.
  return (
    <aside
      id={RIGHT_NAV_ID}
      ref={panel}
      class="right-nav"
      aria-label="Session panel"
      hidden={!open}
      tabIndex={0}
    >
      {tab === null ? (
        <p class="muted right-nav__empty">Open a session to see its details.</p>
      ) : (
        <>
          <Details tab={tab} />
          <Attendees tab={tab} />
          <Notes tab={tab} />
          <ScreenPane key={tab.id} tab={tab} />
        </>
      )}
    </aside>
  );
}

function Details({ tab }: { tab: Tab }) {
  const s = tab.session;
  const rows: [string, string][] = [
    ["Session ID", s.id],
    ["Customer", s.customer.name],
    ["Portal", s.portal?.name ?? "Session code"],
    ["Started", formatDateTime(s.started_at)],
    ["Question", s.query || "—"],
    ...computerDetails(s.customer),
  ];
  for (const [key, value] of Object.entries(s.fields)) rows.push([FIELD_LABELS[key] ?? key, value || "—"]);
  if (s.status === "ended") {
    rows.push(["Ended", formatDateTime(s.ended_at)]);
    if (s.ended_by !== null) rows.push(["Ended by", s.ended_by]);
    if (s.outcome !== null) rows.push(["Outcome", OUTCOME_LABELS[s.outcome]]);
    if (s.end_notes !== "") rows.push(["End notes", s.end_notes]);
  }
  return (
    <section class="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <dl class="details" data-testid="session-details">
        {rows.map(([label, value]) => (
          <div key={label} class="details__row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The customer: how they are connected (the agent or the browser) and whether they are online. */
function CustomerAttendee({ tab }: { tab: Tab }) {
  const customer = tab.session.customer;
  const presence = customerPresence(customer);
  return (
    <p
      class="attendees__customer"
      data-testid="customer-attendee"
      data-online={customer.online ? "true" : "false"}
      data-app={customer.app}
    >
      <span class={`presence-dot presence-dot--${presence}`} aria-hidden="true">
        ●
      </span>{" "}
      <span class="attendees__name">{customer.name || "The customer"}</span>{" "}
      <span class="muted">
        customer · {customerApp(customer)} · <span data-testid="customer-presence">{presence}</span>
      </span>
    </p>
  );
}

function Attendees({ tab }: { tab: Tab }) {
  const who = me.value;
  const present = tab.session.attendees.filter((a) => a.present);
  return (
    <section class="panel" aria-labelledby="attendees-heading">
      <h2 id="attendees-heading">Attendees</h2>
      <CustomerAttendee tab={tab} />
      {present.length === 0 ? (
        <p class="muted">
          {tab.session.status === "ended" ? "No one is in the session any more." : "No representative yet."}
        </p>
      ) : (
        <ul class="attendees" aria-label="Representatives in this session">
          {present.map((a) => (
            <li key={`${a.id ?? a.name}`} data-testid="attendee" data-masked={a.masked ? "true" : "false"}>
              {a.masked ? (
                <span class="mask-badge" data-testid="masked-icon" title="Masked: hidden from the customer">
                  <MaskIcon /> Masked
                </span>
              ) : (
                <span class="mask-icon" aria-hidden="true">
                  ●
                </span>
              )}{" "}
              <span class="attendees__name">
                {a.name}
                {a.id === who?.id ? " (you)" : ""}
              </span>{" "}
              <span class="muted">
                {a.role === "primary" ? "primary" : "invited"} ·{" "}
                {a.masked ? "masked, hidden from the customer" : "unmasked, visible to the customer"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Notes({ tab }: { tab: Tab }) {
  const viewer = consoleViewer(me.value, tab.session);
  const notes = noteLines(tab.events, pendingFor(tab.id), viewer);
  const ended = tab.session.status === "ended";
  return (
    <section class="panel" aria-labelledby="notes-heading">
      <h2 id="notes-heading">Notes</h2>
      <p class="muted">Session notes are for representatives only; the customer never sees them.</p>
      {notes.length === 0 ? (
        <p class="muted">No notes yet.</p>
      ) : (
        <ul class="notes" aria-label="Session notes">
          {notes.map((n) => (
            <li key={n.key} data-testid="note" data-state={n.state}>
              <div class="line__meta">
                <time dateTime={n.at}>{formatDateTime(n.at)}</time> <span class="line__author">{n.author}</span>
              </div>
              <div class="line__text">{n.text}</div>
              {n.state === "pending" ? (
                <div class="line__pending" data-testid="pending-mark">
                  Saving…
                </div>
              ) : null}
              {n.state === "failed" ? (
                <div class="line__failed" role="alert">
                  Not saved: {n.error}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <Composer
        id="note-input"
        label="Session note"
        value={tab.noteDraft}
        onInput={(text) => setNoteDraft(tab.id, text)}
        onSend={(text) => sendNote(tab.id, text)}
        disabled={ended}
        disabledReason="The session has ended."
        sendLabel="Add note"
        placeholder="Add a note for representatives"
        rows={2}
      />
    </section>
  );
}
