/** The managers' History page: past sessions by filter and by words from the chats. */

import { useEffect, useState } from "preact/hooks";
import { api, seg } from "../common/api";
import { formatClock, formatDateTime } from "../common/format";
import { privacyLabel } from "../common/lines";
import type { Representative, Session, SessionEvent } from "../common/protocol";
import {
  decodeHistoryPage,
  decodeTranscript,
  type PortalInfo,
} from "../common/protocol-bodies";
import { Dialog } from "../common/ui/Dialog";
import { useLoaded } from "../common/useLoaded";
import { Linkified } from "../common/ui/Linkified";
import { TextField } from "../common/ui/TextField";
import { NO_FILTERS, historyQuery, type HistoryFilters } from "./history-query";
import { OUTCOME_LABELS } from "./SessionDialogs";
import { loadPortals, loadRepresentatives } from "./session-actions";
import { me } from "./state";

const PAGE_SIZE = 50;

export function HistoryPage() {
  const manager = me.value?.role === "manager";
  const [portals, setPortals] = useState<PortalInfo[]>([]);
  const [reps, setReps] = useState<Representative[]>([]);
  const [form, setForm] = useState<HistoryFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<HistoryFilters>(NO_FILTERS);
  const [offset, setOffset] = useState(0);
  const [viewing, setViewing] = useState<string | null>(null);

  useEffect(() => {
    if (!manager) return;
    loadPortals()
      .then(setPortals)
      .catch(() => undefined);
    loadRepresentatives()
      .then(setReps)
      .catch(() => undefined);
  }, [manager]);

  const {
    value: result,
    error,
    busy,
  } = useLoaded(
    manager
      ? async () => decodeHistoryPage(await api("GET", `/api/history?${historyQuery(applied, PAGE_SIZE, offset)}`))
      : null,
    [manager, applied, offset],
  );

  if (!manager) {
    return (
      <div class="page">
        <h2 class="page__title">History</h2>
        <p role="status">Only managers can browse the session history.</p>
      </div>
    );
  }

  const setValue = (key: keyof HistoryFilters) => (value: string) => setForm({ ...form, [key]: value });
  const set = (key: keyof HistoryFilters) => (e: Event) => {
    const target = e.currentTarget as HTMLSelectElement;
    setValue(key)(target.value);
  };
  const total = result?.total ?? 0;
  const sessions = result?.sessions ?? [];

  return (
    <div class="page history">
      <h2 class="page__title">History</h2>
      <form
        class="history__filters"
        role="search"
        aria-label="Search the history"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setApplied({ ...form });
        }}
      >
        <TextField
          class="field history__words"
          id="history-q"
          label="Words from the chats"
          value={form.q}
          onValue={setValue("q")}
          type="search"
          maxLength={200}
        />
        <div class="field">
          <label for="history-portal">Portal</label>
          <select id="history-portal" value={form.portal} onChange={set("portal")}>
            <option value="">All portals</option>
            {portals.map((p) => (
              <option key={p.slug} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="history-rep">Representative</label>
          <select id="history-rep" value={form.representative} onChange={set("representative")}>
            <option value="">Everyone</option>
            {reps.map((r) => (
              <option key={r.username} value={r.username}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="history-outcome">Outcome</label>
          <select id="history-outcome" value={form.outcome} onChange={set("outcome")}>
            <option value="">Any outcome</option>
            {(Object.keys(OUTCOME_LABELS) as (keyof typeof OUTCOME_LABELS)[]).map((o) => (
              <option key={o} value={o}>
                {OUTCOME_LABELS[o]}
              </option>
            ))}
          </select>
        </div>
        <TextField id="history-from" label="From" value={form.from} onValue={setValue("from")} type="date" />
        <TextField id="history-to" label="To" value={form.to} onValue={setValue("to")} type="date" />
        <div class="history__buttons">
          <button type="submit" class="primary">
            Search
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(NO_FILTERS);
              setOffset(0);
              setApplied(NO_FILTERS);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <p role="status" data-testid="history-total">
        {result === null
          ? error === null
            ? "Searching…"
            : ""
          : total === 0
            ? "No sessions found."
            : `${total} ${total === 1 ? "session" : "sessions"} found${
                total > PAGE_SIZE ? `, showing ${offset + 1}–${Math.min(offset + PAGE_SIZE, total)}` : ""
              }.`}
      </p>
      {sessions.length > 0 ? (
        <table class="history__table" aria-label="Sessions" aria-busy={busy ? "true" : "false"}>
          <thead>
            <tr>
              <th scope="col">Session ID</th>
              <th scope="col">Customer</th>
              <th scope="col">Portal</th>
              <th scope="col">Started</th>
              <th scope="col">Outcome</th>
              <th scope="col">Transcript</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <HistoryRow key={s.id} session={s} onView={() => setViewing(s.id)} />
            ))}
          </tbody>
        </table>
      ) : null}
      {total > PAGE_SIZE ? (
        <div class="history__paging">
          <button type="button" disabled={offset === 0 || busy} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Previous page
          </button>
          <button
            type="button"
            disabled={offset + PAGE_SIZE >= total || busy}
            onClick={() => setOffset(offset + PAGE_SIZE)}
          >
            Next page
          </button>
        </div>
      ) : null}
      <Dialog
        open={viewing !== null}
        title={viewing !== null ? `Transcript ${viewing}` : "Transcript"}
        onClose={() => setViewing(null)}
        testId="transcript-dialog"
        class="dialog--wide dialog--tall"
      >
        {viewing !== null ? <TranscriptView sessionId={viewing} /> : null}
      </Dialog>
    </div>
  );
}

function outcomeText(session: Session): string {
  if (session.outcome !== null) return OUTCOME_LABELS[session.outcome];
  return session.status === "ended" ? "—" : "Open";
}

function HistoryRow({ session, onView }: { session: Session; onView: () => void }) {
  const base = `/api/sessions/${seg(session.id)}/transcript`;
  return (
    <tr data-testid="history-row" data-session={session.id}>
      <td class="mono">{session.id}</td>
      <td>{session.customer.name}</td>
      <td>{session.portal?.name ?? "Session code"}</td>
      <td>
        <time dateTime={session.started_at}>{formatDateTime(session.started_at)}</time>
      </td>
      <td data-testid="history-outcome">{outcomeText(session)}</td>
      <td class="history__transcript">
        <button type="button" aria-haspopup="dialog" aria-label={`View the transcript of ${session.id}`} onClick={onView}>
          View
        </button>{" "}
        <a href={`${base}.html`} download="chatlog.html" aria-label={`Download the transcript of ${session.id} as HTML`}>
          HTML
        </a>{" "}
        <a href={`${base}.txt`} download="chatlog.txt" aria-label={`Download the transcript of ${session.id} as text`}>
          Text
        </a>{" "}
        <a href={`${base}.json`} download="chatlog.json" aria-label={`Download the transcript of ${session.id} as JSON`}>
          JSON
        </a>
      </td>
    </tr>
  );
}

/** The JSON transcript, shown in the page: the details, then every line as text. */
function TranscriptView({ sessionId }: { sessionId: string }) {
  const { value: transcript, error } = useLoaded(
    async () => decodeTranscript(await api("GET", `/api/sessions/${seg(sessionId)}/transcript.json`)),
    [sessionId],
  );

  if (error !== null) {
    return (
      <p class="form-error" role="alert">
        {error}
      </p>
    );
  }
  if (transcript === null) return <p role="status">Loading the transcript…</p>;
  const s = transcript.session;
  return (
    <div class="transcript" data-testid="transcript">
      <ul class="transcript__header">
        {transcript.header.slice(1).map((line, i) => (
          <li key={i}>{line}</li>
        ))}
        {s.outcome !== null ? <li>Outcome: {OUTCOME_LABELS[s.outcome]}</li> : null}
        {s.end_notes !== "" ? <li class="transcript__notes">End-of-session notes: {s.end_notes}</li> : null}
      </ul>
      <ol class="transcript__log" aria-label={`Chat log of ${sessionId}`}>
        {transcript.events.map((e) => (
          <TranscriptLine key={e.seq} event={e} />
        ))}
      </ol>
    </div>
  );
}

function TranscriptLine({ event }: { event: SessionEvent }) {
  const time = (
    <time class="line__time" dateTime={event.at}>
      {formatClock(event.at)}
    </time>
  );
  if (event.kind !== "message" && event.kind !== "note") {
    return (
      <li class="line line--status" data-kind="status" data-testid="transcript-line">
        {time} <Linkified text={event.body.text} />
      </li>
    );
  }
  const mark = event.kind === "note" ? "Note" : privacyLabel(event.audience, event.to?.name ?? null);
  return (
    <li class={`line${mark !== null ? " line--private" : ""}`} data-kind={event.kind} data-testid="transcript-line">
      <div class="line__meta">
        {time} <span class="line__author">{event.author.name}</span>
        {event.masked ? <span class="line__author-note"> (masked)</span> : null}
        {mark !== null ? <span class="badge badge--private">{mark}</span> : null}
      </div>
      <div class="line__text">
        <Linkified text={event.body.text} />
      </div>
    </li>
  );
}
