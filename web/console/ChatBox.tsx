import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorMessage, seg } from "../common/api";
import { chatLines, type Viewer } from "../common/lines";
import { fillPlaceholders, placeholderValues } from "../common/placeholders";
import type { Me, Session } from "../common/protocol";
import type { FileAudience, ScriptKind } from "../common/protocol-bodies";
import { appendToDraft } from "../common/scripts";
import type { TransferViewer } from "../common/files";
import { ChatLog } from "../common/ui/ChatLog";
import { Composer } from "../common/ui/Composer";
import { FilesPanel, SendFileButton, sendFiles } from "../common/ui/Files";
import { FontSizeSelect } from "../common/ui/FontSize";
import { MessageIcon, LinkIcon } from "./icons";
import { PICKER_TITLES, ScriptPicker } from "./ScriptPicker";
import { SendAgentButton } from "./SendAgent";
import { DiagnosticsWindow, openDiagnostics } from "./DiagnosticsWindow";
import { RestartBanner } from "./RestartBanner";
import { type ChatHooks, SessionActions } from "./SessionFeatures";
import {
  discardSend,
  pendingFor,
  pushUrl,
  retrySend,
  savePreferences,
  sendMessage,
} from "./session-actions";
import { me, preferences, showNotice, type Tab } from "./state";
import { closeTab, setDraft, setRecipient } from "./tabs";

function transferViewer(who: Me | null, session: Session): TransferViewer {
  return {
    customer: false,
    isMine: (e) => e.author.kind === "representative" && who !== null && e.author.id === who.id,
    myName: who?.name ?? "",
    customerName: session.customer.name,
  };
}

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
  const myself = session.attendees.find((a) => a.id !== null && a.id === who?.id && a.present);
  const [picker, setPicker] = useState<ScriptKind | null>(null);
  // The picker last opened: where focus goes once it has closed.
  const lastPicker = useRef<ScriptKind>("message");
  const [pushText, setPushText] = useState("");
  const [fileTo, setFileTo] = useState<FileAudience>("customer");

  const insert = (kind: ScriptKind, text: string) => {
    const values = placeholderValues(session, who?.name ?? "");
    if (kind === "message") {
      setDraft(tab.id, appendToDraft(tab.draft, fillPlaceholders(text, values)));
    } else {
      setPushText(fillPlaceholders(text, values, encodeURIComponent));
    }
  };
  const openPicker = (kind: ScriptKind) => {
    lastPicker.current = kind;
    setPicker(kind);
  };
  const chat: ChatHooks = {
    pickScript: openPicker,
    writePrivately: () => {
      setRecipient(tab.id, "representatives");
      document.getElementById(MESSAGE_ID)?.focus();
    },
    focusPushUrl: () => document.getElementById(PUSH_URL_ID)?.focus(),
  };
  const focusAfterInsert = (): HTMLElement | null => {
    const field = document.getElementById(lastPicker.current === "url" ? PUSH_URL_ID : MESSAGE_ID);
    if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
      field.setSelectionRange(field.value.length, field.value.length);
    }
    return field;
  };

  return (
    <div class="chatbox">
      <div class="chatbox__head">
        <h2 class="chatbox__title">
          {session.customer.name || "Customer"} <span class="muted">{session.id}</span>{" "}
          <span class={`status-chip status-chip--${session.status}`} data-testid="session-status">
            {session.status === "waiting" ? "Waiting" : session.status === "active" ? "Active" : "Ended"}
          </span>
        </h2>
        <SessionActions tab={tab} chat={chat} />
      </div>
      <div class="chatbox__head chatbox__head--tools">
        <TranscriptLinks sessionId={session.id} />
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
      <RestartBanner tab={tab} />
      <ChatLog
        lines={lines}
        label={`Conversation with ${name}`}
        emptyText="No messages yet."
        fontSize={prefs.font_size}
        onRetry={ended ? undefined : retrySend}
        onDiscard={discardSend}
        onOpenReport={(id) => openDiagnostics(tab.id, id)}
      />
      <FilesPanel sessionId={tab.id} events={tab.events} viewer={transferViewer(who, session)} ended={ended} />
      {myself?.masked && !ended ? (
        <p class="notice notice--info" data-testid="masked-hint">
          <span class="mask-glyph" aria-hidden="true">
            ◐
          </span>{" "}
          You are masked: the customer does not see you, nor anything you write or push.
        </p>
      ) : null}
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
          <span class="chatbox__tools" role="group" aria-label="Scripts">
            <button
              type="button"
              class="icon-button"
              aria-label={PICKER_TITLES.message}
              title="Insert a scripted message"
              aria-haspopup="dialog"
              disabled={ended}
              onClick={() => openPicker("message")}
            >
              <MessageIcon />
            </button>
            <button
              type="button"
              class="icon-button"
              aria-label={PICKER_TITLES.url}
              title="Insert a scripted URL to push"
              aria-haspopup="dialog"
              disabled={ended}
              onClick={() => openPicker("url")}
            >
              <LinkIcon />
            </button>
          </span>
        </div>
        <Composer
          id={MESSAGE_ID}
          label="Chat message"
          value={tab.draft}
          onInput={(text) => setDraft(tab.id, text)}
          onSend={(text) => sendMessage(tab.id, text, toValue)}
          disabled={ended}
          disabledReason="The session has ended."
          spellCheck={prefs.spell_check}
          fontSize={prefs.font_size}
          onFiles={(files) => sendFiles(tab.id, files, fileTo)}
          placeholder={
            myself?.masked
              ? "You are masked: only representatives read this (Enter sends)"
              : toValue === "everyone"
              ? `Message to ${name} (Enter sends, Shift+Enter for a new line)`
              : "Private message (Enter sends, Shift+Enter for a new line)"
          }
        />
        <div class="file-bar" role="group" aria-label="Send files">
          <label for="console-file-to">File recipient</label>
          <select
            id="console-file-to"
            value={fileTo}
            disabled={ended}
            onChange={(e) => setFileTo(e.currentTarget.value === "representatives" ? "representatives" : "customer")}
          >
            <option value="customer">The customer</option>
            <option value="representatives">Representatives only</option>
          </select>
          <SendFileButton sessionId={tab.id} to={fileTo} disabled={ended} />
          <span class="muted file-bar__hint">or drop files on the message box</span>
        </div>
        <div class="chatbox__reach" role="group" aria-label="Reach the customer's computer">
          <PushUrlForm sessionId={tab.id} value={pushText} onInput={setPushText} disabled={ended} />
          <SendAgentButton sessionId={tab.id} customerName={name} disabled={ended} />
        </div>
      </div>
      <DiagnosticsWindow tab={tab} />
      <ScriptPicker
        open={picker !== null}
        kind={picker ?? "message"}
        onClose={() => setPicker(null)}
        onChoose={(text) => insert(picker ?? "message", text)}
        returnFocus={focusAfterInsert}
      />
    </div>
  );
}

const MESSAGE_ID = "console-message";

const PUSH_URL_ID = "push-url";

/** The chat log as the server writes it for me: text, HTML and JSON. */
function TranscriptLinks({ sessionId }: { sessionId: string }) {
  const base = `/api/sessions/${seg(sessionId)}/transcript`;
  return (
    <span class="transcript-links" role="group" aria-label="Download chat log">
      <span aria-hidden="true">Chat log:</span>
      <a href={`${base}.txt`} download="chatlog.txt" aria-label="Download chat log as text">
        Text
      </a>
      <a href={`${base}.html`} download="chatlog.html" aria-label="Download chat log as HTML">
        HTML
      </a>
      <a href={`${base}.json`} download="chatlog.json" aria-label="Download chat log as JSON">
        JSON
      </a>
    </span>
  );
}

/** Open a web page on the customer's computer; the server checks the address. */
function PushUrlForm({
  sessionId,
  value,
  onInput,
  disabled,
}: {
  sessionId: string;
  value: string;
  onInput: (text: string) => void;
  disabled: boolean;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pushed, setPushed] = useState<string | null>(null);
  const errorId = `${PUSH_URL_ID}-error`;

  // A new address (typed, or inserted from the scripted URLs) clears the last refusal.
  useEffect(() => setError(null), [value]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const url = value.trim();
    setPushed(null);
    if (url === "") {
      setError("Enter a web address to push, starting with https:// or http://.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await pushUrl(sessionId, url);
      onInput("");
      setPushed(url);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="push-url" aria-label="Push a web page to the customer" onSubmit={(e) => void submit(e)} noValidate>
      <label for={PUSH_URL_ID}>URL to push</label>
      <input
        id={PUSH_URL_ID}
        type="url"
        inputMode="url"
        autoComplete="off"
        spellcheck={false}
        placeholder="https://"
        value={value}
        disabled={disabled}
        aria-invalid={error !== null ? true : undefined}
        aria-describedby={error !== null ? errorId : undefined}
        onInput={(e) => {
          onInput(e.currentTarget.value);
          if (error !== null) setError(null);
          if (pushed !== null) setPushed(null);
        }}
      />
      <button type="submit" disabled={disabled || busy}>
        Push URL
      </button>
      {error !== null ? (
        <p id={errorId} class="form-error push-url__message" role="alert" data-testid="push-url-error">
          {error}
        </p>
      ) : null}
      {pushed !== null ? (
        <p class="muted push-url__message" role="status" data-testid="push-url-done">
          Pushed {pushed} to the customer.
        </p>
      ) : null}
    </form>
  );
}
