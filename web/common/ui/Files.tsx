import { signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../api";
import { type Problem, problemOf, sayProblem } from "../i18n/problems";
import { useText, type TextKey } from "../i18n/text";
import {
  answerFile,
  downloadFile,
  isRecipient,
  listFiles,
  percent,
  reportReceived,
  saveBlob,
  transfersOf,
  uploadFile,
  type Transfer,
  type TransferViewer,
} from "../files";
import type { SessionEvent } from "../protocol";
import type { FileAudience, SharedFile } from "../protocol-bodies";

/** A file on its way to the server. Finished uploads leave the list: the offer shows instead. */
interface UploadItem {
  key: number;
  sessionId: string;
  name: string;
  size: number;
  loaded: number;
  state: "uploading" | "failed";
  error: Problem | null;
  abort: () => void;
}

type DownloadItem =
  | { phase: "answering" }
  | { phase: "downloading"; loaded: number; total: number }
  | { phase: "saved" }
  | { phase: "failed"; problem: Problem };

const uploads = signal<readonly UploadItem[]>([]);
const downloads = signal<ReadonlyMap<number, DownloadItem>>(new Map());
/** GET /api/sessions/{id}/files, per session: answers the notes may lack. */
const listed = signal<Readonly<Record<string, readonly SharedFile[]>>>({});
let uploadSeq = 0;

function setUpload(key: number, change: (u: UploadItem) => UploadItem | null): void {
  const next: UploadItem[] = [];
  for (const u of uploads.value) {
    if (u.key !== key) next.push(u);
    else {
      const changed = change(u);
      if (changed !== null) next.push(changed);
    }
  }
  uploads.value = next;
}

function setDownload(id: number, item: DownloadItem | null): void {
  const next = new Map(downloads.value);
  if (item === null) next.delete(id);
  else next.set(id, item);
  downloads.value = next;
}

export async function refreshFiles(sessionId: string): Promise<void> {
  try {
    const files = await listFiles(sessionId);
    listed.value = { ...listed.value, [sessionId]: files };
  } catch {
    /* the notes still tell the story */
  }
}

/**
 * Send files to the session: each one uploads on its own with a progress bar. `to` is
 * "customer" or "representatives" for a representative; null for the customer (theirs
 * always go to the representatives).
 */
export function sendFiles(sessionId: string, files: readonly File[], to: FileAudience | null): void {
  for (const file of files) {
    const key = ++uploadSeq;
    const handle = uploadFile(sessionId, file, to, (loaded, total) => {
      setUpload(key, (u) => (percent(u.loaded, u.size) === percent(loaded, total) ? u : { ...u, loaded, size: total }));
    });
    uploads.value = [
      ...uploads.value,
      {
        key,
        sessionId,
        name: file.name,
        size: file.size,
        loaded: 0,
        state: "uploading",
        error: null,
        abort: handle.abort,
      },
    ];
    handle.promise.then(
      () => setUpload(key, () => null),
      (error: unknown) => setUpload(key, (u) => ({ ...u, state: "failed", error: problemOf(error) })),
    );
  }
}

/** Download, check and save a file; then tell the server it arrived whole. */
async function fetchAndSave(t: Transfer, recipient: boolean): Promise<void> {
  setDownload(t.id, { phase: "downloading", loaded: 0, total: t.size });
  let shown = -1;
  try {
    const blob = await downloadFile(t, (loaded, total) => {
      const p = percent(loaded, total);
      if (p === shown) return;
      shown = p;
      setDownload(t.id, { phase: "downloading", loaded, total });
    });
    saveBlob(blob, t.name);
    setDownload(t.id, { phase: "saved" });
  } catch (error) {
    setDownload(t.id, { phase: "failed", problem: problemOf(error) });
    return;
  }
  if (recipient && t.state !== "received") {
    await reportReceived(t.id).catch(() => undefined);
  }
}

async function answer(sessionId: string, t: Transfer, accept: boolean): Promise<void> {
  setDownload(t.id, { phase: "answering" });
  try {
    await answerFile(t.id, accept);
  } catch (error) {
    setDownload(t.id, { phase: "failed", problem: problemOf(error) });
    if (error instanceof ApiError && error.status === 409) void refreshFiles(sessionId);
    return;
  }
  if (!accept) {
    setDownload(t.id, null);
    return;
  }
  await fetchAndSave({ ...t, state: "accepted" }, true);
}

/** The "Send file" button with its file picker (several files at once). */
export function SendFileButton({
  sessionId,
  to,
  disabled,
}: {
  sessionId: string;
  to: FileAudience | null;
  disabled: boolean;
}) {
  const { t } = useText();
  const input = useRef<HTMLInputElement>(null);
  return (
    <span class="send-file">
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label={t("files.chooseFiles")}
        data-testid="file-input"
        disabled={disabled}
        onChange={(e) => {
          const list = e.currentTarget.files;
          if (list !== null && list.length > 0) sendFiles(sessionId, Array.from(list), to);
          e.currentTarget.value = "";
        }}
      />
      <button type="button" disabled={disabled} onClick={() => input.current?.click()}>
        {t("files.sendFile")}
      </button>
    </span>
  );
}

const STATE_TEXT: Record<Transfer["state"], TextKey> = {
  offered: "files.state.offered",
  accepted: "files.state.accepted",
  declined: "files.state.declined",
  received: "files.state.received",
};

/**
 * The session's files: uploads in progress, and every offered file with its state;
 * the recipient accepts or declines, and accepted files download with a progress bar.
 */
export function FilesPanel({
  sessionId,
  events,
  viewer,
  ended,
}: {
  sessionId: string;
  events: readonly SessionEvent[];
  viewer: TransferViewer;
  ended: boolean;
}) {
  const { t } = useText();
  useEffect(() => {
    void refreshFiles(sessionId);
  }, [sessionId]);
  const list = transfersOf(events, listed.value[sessionId] ?? [], viewer);
  const mine = uploads.value.filter((u) => u.sessionId === sessionId);
  if (list.length === 0 && mine.length === 0) return null;
  return (
    <section class="files" aria-label={t("files.title")}>
      <h3 class="files__title">{t("files.title")}</h3>
      <ul class="files__list">
        {list.map((t) => (
          <TransferRow
            key={t.id}
            t={t}
            recipient={isRecipient(t, viewer.customer)}
            ended={ended}
            sessionId={sessionId}
            customer={viewer.customer}
          />
        ))}
        {mine.map((u) => (
          <UploadRow key={u.key} u={u} />
        ))}
      </ul>
    </section>
  );
}

function UploadRow({ u }: { u: UploadItem }) {
  const text = useText();
  const { t, size } = text;
  const p = percent(u.loaded, u.size);
  return (
    <li class="file" data-testid="upload" data-state={u.state}>
      <div class="file__head">
        <span class="file__name">{u.name}</span> <span class="muted">{size(u.size)}</span>{" "}
        <span class="file__state">{u.state === "uploading" ? t("files.sendingPercent", { percent: String(p) }) : t("files.notSent")}</span>
      </div>
      {u.state === "uploading" ? (
        <div class="file__progress">
          <progress max={100} value={p} aria-label={t("files.sendingName", { name: u.name })} />{" "}
          <button type="button" class="link-button" onClick={() => u.abort()}>
            {t("ui.cancel")}
          </button>
        </div>
      ) : (
        <p class="form-error" role="alert" data-testid="upload-error">
          {u.error !== null ? sayProblem(u.error, text, { too_large: "files.tooLarge" }, { size: size(u.size) }) : null}{" "}
          <button type="button" class="link-button" onClick={() => setUpload(u.key, () => null)}>
            {t("ui.dismiss")}
          </button>
        </p>
      )}
    </li>
  );
}

function TransferRow({
  t,
  recipient,
  ended,
  sessionId,
  customer,
}: {
  t: Transfer;
  recipient: boolean;
  ended: boolean;
  sessionId: string;
  customer: boolean;
}) {
  const text = useText();
  const { t: say, size } = text;
  const dl = downloads.value.get(t.id) ?? null;
  const busy = dl !== null && (dl.phase === "answering" || dl.phase === "downloading");
  const from = t.fromMe
    ? say("files.from.you")
    : t.from
      ? say("files.from.name", { name: t.from })
      : say(t.fromCustomer ? "files.from.customer" : "files.from.rep");
  const to = say(
    t.audience === "representatives"
      ? customer
        ? "files.to.reps"
        : "files.to.repsOnly"
      : customer
        ? "files.to.you"
        : "files.to.customer",
  );
  const canSave = recipient && (t.state === "accepted" || t.state === "received");
  return (
    <li class={`file file--${t.state}`} data-testid="file-item" data-file={t.id} data-state={t.state} data-download={dl?.phase}>
      <div class="file__head">
        <span class="file__name">{t.name}</span> <span class="muted">{size(t.size)}</span>{" "}
        <span class="muted">{say("files.fromTo", { from, to })}</span>{" "}
        <span class={`file__state file__state--${t.state}`} data-testid="file-state">
          {say(STATE_TEXT[t.state])}
        </span>
      </div>
      {t.originalName !== null ? (
        <div class="file__renamed muted" data-testid="file-renamed">
          Renamed: it was sent as <code>{t.originalName}</code>, with characters that hide or
          reorder text.
        </div>
      ) : null}
      {recipient && t.state === "offered" && !ended ? (
        <div class="file__actions">
          <button
            type="button"
            class="primary"
            disabled={busy}
            aria-label={say("files.acceptName", { name: t.name })}
            onClick={() => void answer(sessionId, t, true)}
          >
            {say("files.accept")}
          </button>
          <button
            type="button"
            disabled={busy}
            aria-label={say("files.declineName", { name: t.name })}
            onClick={() => void answer(sessionId, t, false)}
          >
            {say("files.decline")}
          </button>
        </div>
      ) : null}
      {dl?.phase === "downloading" ? (
        <div class="file__progress">
          <progress max={100} value={percent(dl.loaded, dl.total)} aria-label={say("files.downloadingName", { name: t.name })} />{" "}
          <span class="muted">{percent(dl.loaded, dl.total)}%</span>
        </div>
      ) : null}
      {dl?.phase === "saved" ? (
        <p class="muted file__note" data-testid="file-saved">
          {say("files.saved")}
        </p>
      ) : null}
      {dl?.phase === "failed" ? (
        <p class="form-error" role="alert" data-testid="file-error">
          {sayProblem(dl.problem, text)}
        </p>
      ) : null}
      {canSave && !busy && dl?.phase !== "saved" ? (
        <div class="file__actions">
          <button type="button" aria-label={say("files.downloadName", { name: t.name })} onClick={() => void fetchAndSave(t, true)}>
            {say("files.download")}
          </button>
        </div>
      ) : null}
    </li>
  );
}
