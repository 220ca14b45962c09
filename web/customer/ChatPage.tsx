import { useEffect, useMemo, useState } from "preact/hooks";
import { seg } from "../common/api";
import { sayError, sayProblem } from "../common/i18n/problems";
import { useText, type Text } from "../common/i18n/text";
import { LinkedSentence } from "../common/ui/LinkedSentence";
import { chatLines, type Viewer } from "../common/lines";
import { saveBlob, type TransferViewer } from "../common/files";
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
  type SharePhase,
} from "./chat-store";
import { AgentOfferBanner } from "./AgentOffer";
import { chatLogText } from "./chat-log";
import { Page } from "./Layout";
import { ScreenConsentDialog } from "./ScreenConsent";
import { personName, statusText } from "./translated";

/** /chat: the customer's chat window. */
export function ChatPage() {
  const text = useText();
  const { t } = text;
  useEffect(() => {
    document.title = t("chat.documentTitle");
    start();
  }, []);
  const s = session.value;
  const state = connection.value;
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [endBusy, setEndBusy] = useState(false);
  const [endError, setEndError] = useState<string | null>(null);

  const outbox = pending();
  const myName = s?.customer.name ?? t("chat.you");
  const viewer: Viewer = {
    isMine: (e) => e.author.kind === "customer",
    myName,
    repName: () => null,
    statusText: (e) => statusText(e, text, s?.customer.name ?? ""),
  };
  const lines = useMemo(() => chatLines(events.value, outbox, viewer), [events.value, outbox, myName, text]);
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
      <Page title={t("chat.title")}>
        <p class="notice notice--info" role="status" data-testid="chat-gone">
          {t("chat.gone")}
        </p>
        <p>
          <LinkedSentence sentence={t("chat.goneHint")} href="/join" />
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
      setEndError(sayError(error, text));
    } finally {
      setEndBusy(false);
    }
  };

  return (
    <Page title={s?.portal?.name ?? t("chat.defaultTitle")} wide>
      <div class="customer-chat">
        <div class="customer-chat__bar">
          <p class="muted customer-chat__who">
            {s === null
              ? t("chat.connecting")
              : reps.length > 0
                ? t("chat.chattingWith", { names: text.list(reps) })
                : ended
                  ? ""
                  : t("chat.repSoon")}
          </p>
          <div class="customer-chat__tools">
            <FontSizeSelect id="customer-font-size" value={fontSize.value} onChange={setFontSize} />
            {s === null ? null : text.lang === "en" ? (
              <a
                class="button"
                href={`/api/sessions/${seg(s.id)}/transcript.txt`}
                download="chatlog.txt"
                data-testid="save-chat-log"
              >
                {t("chat.saveLog")}
              </a>
            ) : (
              // The server writes its file in English: in another language the page writes it.
              <button
                type="button"
                data-testid="save-chat-log"
                onClick={() => saveBlob(new Blob([chatLogText(s, lines, text)], { type: "text/plain;charset=utf-8" }), "chatlog.txt")}
              >
                {t("chat.saveLog")}
              </button>
            )}
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
              {t("chat.end")}
            </button>
          </div>
        </div>
        {state.phase === "reconnecting" ? (
          <p class="banner banner--warning" role="status" data-testid="connection-banner">
            {t("chat.reconnecting")}
          </p>
        ) : null}
        {waiting && !ended ? (
          <p class="banner banner--info" role="status" data-testid="waiting">
            {t("chat.waiting")}
          </p>
        ) : null}
        {ended && s !== null ? (
          <p class="banner banner--info" role="status" data-testid="session-ended">
            {s.ended_by !== null
              ? t("chat.endedBy", { name: personName(s.ended_by, text, true) })
              : t("chat.ended")}
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
            <strong>
              {reps.length > 0 ? t("chat.sharingWith", { names: text.list(reps) }) : t("chat.sharing")}
            </strong>{" "}
            <button type="button" class="danger" onClick={() => stopSharing()}>
              {t("chat.stopSharing")}
            </button>
          </div>
        ) : null}
        {sharing.phase === "starting" && !ended ? (
          <p class="banner banner--info" role="status" data-testid="sharing-starting">
            {t("chat.choosingScreen")}
          </p>
        ) : null}
        {(sharing.phase === "failed" || sharing.phase === "stopped") && !ended ? (
          <p
            class={`banner ${sharing.phase === "failed" ? "banner--error" : "banner--info"}`}
            role={sharing.phase === "failed" ? "alert" : "status"}
            data-testid={sharing.phase === "failed" ? "share-error" : "share-stopped"}
          >
            {shareMessage(sharing, text)}{" "}
            <button type="button" class="link-button" onClick={() => dismissShareMessage()}>
              {t("ui.dismiss")}
            </button>
          </p>
        ) : null}
        {notice.value !== null ? (
          <p class="banner banner--error" role="alert">
            {sayProblem(notice.value, text)}{" "}
            <button type="button" class="link-button" onClick={() => (notice.value = null)}>
              {t("ui.dismiss")}
            </button>
          </p>
        ) : null}
        <ChatLog
          lines={lines}
          label={t("chat.log")}
          emptyText={s === null ? t("chat.connecting") : t("chat.empty")}
          fontSize={fontSize.value}
          onRetry={ended ? undefined : retry}
          onDiscard={discard}
        />
        {s !== null ? (
          <FilesPanel sessionId={s.id} events={events.value} viewer={transferViewer} ended={ended} />
        ) : null}
        <Composer
          id="customer-message"
          label={t("chat.message")}
          value={draft.value}
          onInput={(text) => (draft.value = text)}
          onSend={send}
          disabled={ended || s === null}
          disabledReason={ended ? t("chat.endedReason") : undefined}
          fontSize={fontSize.value}
          placeholder={t("chat.placeholder")}
          onFiles={s !== null ? (files) => sendFiles(s.id, files, null) : undefined}
        />
        {s !== null ? (
          <div class="file-bar" role="group" aria-label={t("chat.sendFiles")}>
            <SendFileButton sessionId={s.id} to={null} disabled={ended} />
            <span class="muted file-bar__hint">{t("chat.fileHint")}</span>
          </div>
        ) : null}
      </div>
      {request !== null && !ended ? (
        <ScreenConsentDialog key={request.requestId} request={request} onAnswer={(allow) => answerScreenRequest(request, allow)} />
      ) : null}
      <ConfirmDialog
        open={confirmOpen}
        title={t("chat.endTitle")}
        message={t("chat.endMessage")}
        confirmLabel={t("chat.endConfirm")}
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
  const { t } = useText();
  return (
    <div class="banner banner--alert pushed-banner" role="alert" data-testid="pushed-url">
      <p class="pushed-banner__text">{t("chat.pushed")}</p>
      <a
        class="button primary pushed-banner__open"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        onClick={() => dismissPushed()}
      >
        {t("chat.openUrl", { url })}
      </a>{" "}
      <button type="button" class="link-button" onClick={() => dismissPushed()}>
        {t("ui.dismiss")}
      </button>
    </div>
  );
}

/** What the share's end or failure says, in the page's language. */
function shareMessage(sharing: SharePhase, text: Text): string {
  if (sharing.phase === "stopped") {
    return text.t(sharing.why === "track_ended" ? "chat.shareEndedByBrowser" : "chat.shareStopped");
  }
  if (sharing.phase !== "failed") return "";
  switch (sharing.reason) {
    case "not_allowed":
      return text.t("chat.shareNotAllowed");
    case "unsupported":
      return text.t("chat.shareUnsupported");
    case "failed":
      return text.t("chat.shareFailed");
    default:
      return sharing.problem !== null ? sayProblem(sharing.problem, text) : "";
  }
}
