import { useEffect, useMemo, useState } from "preact/hooks";
import { errorMessage, seg } from "../common/api";
import { chatLines, type Viewer } from "../common/lines";
import type { TransferViewer } from "../common/files";
import { ChatLog } from "../common/ui/ChatLog";
import { Composer } from "../common/ui/Composer";
import { FilesPanel, SendFileButton, sendFiles } from "../common/ui/Files";
import { ConfirmDialog } from "../common/ui/Dialog";
import { FontSizeSelect } from "../common/ui/FontSize";
import {
  agentOffer,
  answerScreenRequest,
  connection,
  discard,
  dismissAgentOffer,
  dismissShareMessage,
  dismissPushed,
  draft,
  endSession,
  events,
  fontSize,
  gone,
  notice,
  pending,
  pushedUrl,
  retry,
  screenRequest,
  send,
  session,
  setFontSize,
  share,
  start,
  stopSharing,
} from "./chat-store";
import { AgentOfferBanner } from "./AgentOffer";
import { Page } from "./Layout";
import { ScreenConsentDialog } from "./ScreenConsent";

/** /chat: the customer's chat window. */
export function ChatPage() {
  useEffect(() => {
    document.title = "Chat · Helpline";
    start();
  }, []);
  const s = session.value;
  const state = connection.value;
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [endBusy, setEndBusy] = useState(false);
  const [endError, setEndError] = useState<string | null>(null);

  const outbox = pending();
  const myName = s?.customer.name ?? "You";
  const viewer: Viewer = {
    isMine: (e) => e.author.kind === "customer",
    myName,
    repName: () => null,
  };
  const lines = useMemo(() => chatLines(events.value, outbox, viewer), [events.value, outbox, myName]);
  const transferViewer: TransferViewer = {
    customer: true,
    isMine: (e) => e.author.kind === "customer",
    myName,
    customerName: myName,
  };
  const request = screenRequest.value;
  const sharing = share.value;

  if (gone.value) {
    return (
      <Page title="Chat">
        <p class="notice notice--info" role="status" data-testid="chat-gone">
          There is no open chat in this browser.
        </p>
        <p>
          If a representative gave you a session code, <a href="/join">join with the code</a>.
        </p>
      </Page>
    );
  }

  const ended = s?.status === "ended";
  const waiting = s?.status === "waiting";
  const reps = s?.attendees.map((a) => a.name).filter((n) => n !== "") ?? [];

  const confirmEnd = async () => {
    setEndBusy(true);
    setEndError(null);
    try {
      await endSession();
      setConfirmOpen(false);
    } catch (error) {
      setEndError(errorMessage(error));
    } finally {
      setEndBusy(false);
    }
  };

  return (
    <Page title={s?.portal?.name ?? "Chat with support"} wide>
      <div class="customer-chat">
        <div class="customer-chat__bar">
          <p class="muted customer-chat__who">
            {s === null
              ? "Connecting…"
              : reps.length > 0
                ? `You are chatting with ${reps.join(", ")}.`
                : ended
                  ? ""
                  : "A representative will join soon."}
          </p>
          <div class="customer-chat__tools">
            <FontSizeSelect id="customer-font-size" value={fontSize.value} onChange={setFontSize} />
            {s !== null ? (
              <a
                class="button"
                href={`/api/sessions/${seg(s.id)}/transcript.txt`}
                download="chatlog.txt"
                data-testid="save-chat-log"
              >
                Save chat log
              </a>
            ) : null}
            <button
              type="button"
              class="danger"
              disabled={s === null || ended}
              aria-haspopup="dialog"
              onClick={() => {
                setEndError(null);
                setConfirmOpen(true);
              }}
            >
              End session
            </button>
          </div>
        </div>
        {state.phase === "reconnecting" ? (
          <p class="banner banner--warning" role="status" data-testid="connection-banner">
            Connection lost. Reconnecting… Anything you type is kept and sent when we are back.
          </p>
        ) : null}
        {waiting && !ended ? (
          <p class="banner banner--info" role="status" data-testid="waiting">
            Waiting for a representative…
          </p>
        ) : null}
        {ended && s !== null ? (
          <p class="banner banner--info" role="status" data-testid="session-ended">
            This session has ended
            {s.ended_by !== null ? `. It was ended by ${s.ended_by}` : ""}. You can still save the chat log.
          </p>
        ) : null}
        {pushedUrl.value !== null && !ended ? <PushedBanner url={pushedUrl.value.url} /> : null}
        {agentOffer.value !== null && !ended ? (
          <AgentOfferBanner command={agentOffer.value.command} onDismiss={dismissAgentOffer} />
        ) : null}
        {sharing.phase === "sharing" && !ended ? (
          <div class="banner banner--alert sharing-bar" role="status" data-testid="sharing-bar">
            <span class="sharing-bar__dot" aria-hidden="true">
              ●
            </span>{" "}
            <strong>Your screen is being shared</strong>
            {reps.length > 0 ? ` with ${reps.join(", ")}` : ""}.{" "}
            <button type="button" class="danger" onClick={() => stopSharing()}>
              Stop sharing
            </button>
          </div>
        ) : null}
        {sharing.phase === "starting" && !ended ? (
          <p class="banner banner--info" role="status" data-testid="sharing-starting">
            Choose the screen, window or tab to share in your browser's window…
          </p>
        ) : null}
        {(sharing.phase === "failed" || sharing.phase === "stopped") && !ended ? (
          <p
            class={`banner ${sharing.phase === "failed" ? "banner--error" : "banner--info"}`}
            role={sharing.phase === "failed" ? "alert" : "status"}
            data-testid={sharing.phase === "failed" ? "share-error" : "share-stopped"}
          >
            {sharing.message}{" "}
            <button type="button" class="link-button" onClick={() => dismissShareMessage()}>
              Dismiss
            </button>
          </p>
        ) : null}
        {notice.value !== null ? (
          <p class="banner banner--error" role="alert">
            {notice.value}{" "}
            <button type="button" class="link-button" onClick={() => (notice.value = null)}>
              Dismiss
            </button>
          </p>
        ) : null}
        <ChatLog
          lines={lines}
          label="Conversation"
          emptyText={s === null ? "Connecting…" : "No messages yet. Say hello!"}
          fontSize={fontSize.value}
          onRetry={ended ? undefined : retry}
          onDiscard={discard}
        />
        {s !== null ? (
          <FilesPanel sessionId={s.id} events={events.value} viewer={transferViewer} ended={ended} />
        ) : null}
        <Composer
          id="customer-message"
          label="Chat message"
          value={draft.value}
          onInput={(text) => (draft.value = text)}
          onSend={send}
          disabled={ended || s === null}
          disabledReason={ended ? "The session has ended." : undefined}
          fontSize={fontSize.value}
          placeholder="Type your message (Enter sends, Shift+Enter for a new line)"
          onFiles={s !== null ? (files) => sendFiles(s.id, files, null) : undefined}
        />
        {s !== null ? (
          <div class="file-bar" role="group" aria-label="Send files">
            <SendFileButton sessionId={s.id} to={null} disabled={ended} />
            <span class="muted file-bar__hint">to your representative, or drop files on the message box</span>
          </div>
        ) : null}
      </div>
      {request !== null && !ended ? (
        <ScreenConsentDialog key={request.requestId} request={request} onAnswer={(allow) => answerScreenRequest(request, allow)} />
      ) : null}
      <ConfirmDialog
        open={confirmOpen}
        title="End session?"
        message="End this support session? The chat closes for everyone."
        confirmLabel="Yes, end session"
        busy={endBusy}
        error={endError}
        onConfirm={() => void confirmEnd()}
        onCancel={() => setConfirmOpen(false)}
      />
    </Page>
  );
}

/** A page the representative sent, for when the browser did not open it by itself. */
function PushedBanner({ url }: { url: string }) {
  return (
    <div class="banner banner--alert pushed-banner" role="alert" data-testid="pushed-url">
      <p class="pushed-banner__text">Your representative sent you a page. If it did not open in a new tab:</p>
      <a
        class="button primary pushed-banner__open"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        onClick={() => dismissPushed()}
      >
        Open {url}
      </a>{" "}
      <button type="button" class="link-button" onClick={() => dismissPushed()}>
        Dismiss
      </button>
    </div>
  );
}
