import { useMemo } from "preact/hooks";
import { errorMessage } from "../common/api";
import { chatLines, type Viewer } from "../common/lines";
import type { Me, Session } from "../common/protocol";
import { ChatLog } from "../common/ui/ChatLog";
import { Composer } from "../common/ui/Composer";
import { FontSizeSelect } from "../common/ui/FontSize";
import {
  closeTab,
  discardSend,
  me,
  pendingFor,
  preferences,
  retrySend,
  savePreferences,
  sendMessage,
  setDraft,
  setRecipient,
  showNotice,
  type Tab,
} from "./store";

export function consoleViewer(who: Me | null, session: Session): Viewer {
  return {
    isMine: (e) => e.author.kind === "representative" && who !== null && e.author.id === who.id,
    myName: who?.name ?? "You",
    repName: (id) => session.attendees.find((a) => a.id === id)?.name ?? null,
  };
}

function savePref(changes: Parameters<typeof savePreferences>[0]): void {
  savePreferences(changes).catch((error: unknown) => showNotice(errorMessage(error), "error"));
}

/** The chat box of the focused tab: the log, the "To" drop-down and the message box. */
export function ChatBox({ tab }: { tab: Tab }) {
  const who = me.value;
  const prefs = preferences.value;
  const session = tab.session;
  const outbox = pendingFor(tab.id);
  const viewer = consoleViewer(who, session);
  const lines = useMemo(() => chatLines(tab.events, outbox, viewer), [tab.events, outbox, who, session]);
  const ended = session.status === "ended";
  const others = session.attendees.filter((a) => a.present && a.id !== null && a.id !== who?.id);
  const toValue =
    tab.to === "everyone" || tab.to === "representatives" || others.some((a) => String(a.id) === tab.to)
      ? tab.to
      : "everyone";
  const name = session.customer.name || "the customer";

  return (
    <div class="chatbox">
      <div class="chatbox__head">
        <h2 class="chatbox__title">
          {session.customer.name || "Customer"} <span class="muted">{session.id}</span>{" "}
          <span class={`status-chip status-chip--${session.status}`} data-testid="session-status">
            {session.status === "waiting" ? "Waiting" : session.status === "active" ? "Active" : "Ended"}
          </span>
        </h2>
        <div class="chatbox__controls">
          <FontSizeSelect id="console-font-size" value={prefs.font_size} onChange={(size) => savePref({ font_size: size })} />
          <span class="check">
            <input
              id="console-spell-check"
              type="checkbox"
              checked={prefs.spell_check}
              onChange={(e) => savePref({ spell_check: e.currentTarget.checked })}
            />
            <label for="console-spell-check">Spell check</label>
          </span>
        </div>
      </div>
      {tab.error !== null ? (
        <p class="notice notice--error" role="alert">
          {tab.error}
        </p>
      ) : null}
      {ended ? (
        <div class="notice notice--info ended-banner" role="status" data-testid="session-ended">
          This session has ended{session.ended_by !== null ? ` (ended by ${session.ended_by})` : ""}.{" "}
          <button type="button" class="link-button" onClick={() => closeTab(tab.id)}>
            Close tab
          </button>
        </div>
      ) : null}
      <ChatLog
        lines={lines}
        label={`Conversation with ${name}`}
        emptyText="No messages yet."
        fontSize={prefs.font_size}
        onRetry={ended ? undefined : retrySend}
        onDiscard={discardSend}
      />
      <div class="chatbox__compose">
        <div class="inline-field chatbox__to">
          <label for="console-to">To</label>
          <select
            id="console-to"
            value={toValue}
            disabled={ended}
            onChange={(e) => setRecipient(tab.id, e.currentTarget.value)}
          >
            <option value="everyone">Everyone (customer included)</option>
            <option value="representatives">All representatives</option>
            {others.map((a) => (
              <option key={a.id} value={String(a.id)}>
                {a.name}
              </option>
            ))}
          </select>
          {toValue !== "everyone" ? (
            <span class="badge badge--private" aria-hidden="true">
              Private
            </span>
          ) : null}
        </div>
        <Composer
          id="console-message"
          label="Chat message"
          value={tab.draft}
          onInput={(text) => setDraft(tab.id, text)}
          onSend={(text) => sendMessage(tab.id, text, toValue)}
          disabled={ended}
          disabledReason="The session has ended."
          spellCheck={prefs.spell_check}
          fontSize={prefs.font_size}
          placeholder={
            toValue === "everyone"
              ? `Message to ${name} (Enter sends, Shift+Enter for a new line)`
              : "Private message (Enter sends, Shift+Enter for a new line)"
          }
        />
      </div>
    </div>
  );
}
