/**
 * The browser's side of background notes: permission (asked only from a click, as
 * browsers require), showing a notification while the page is hidden, and drawing the
 * favicon with its count. Everything that decides what to say is in
 * background-notes.ts.
 */

import { signal } from "@preact/signals";
import { badgeText, type BackgroundNote } from "./background-notes";

export type NotePermission = "granted" | "denied" | "default" | "unsupported";

function current(): NotePermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Whether notifications may be shown: the browser's answer, kept for the UI. */
export const notePermission = signal<NotePermission>(current());

/** Ask the browser (from a click). */
export async function askForNotifications(): Promise<NotePermission> {
  if (typeof Notification === "undefined") return "unsupported";
  notePermission.value = await Notification.requestPermission();
  return notePermission.value;
}

/** Show `note` if the console is hidden and notifications are allowed; a click on it
 * brings the console forward and opens its session with `open`. */
export function showNote(note: BackgroundNote, open?: (sessionId: string) => void): void {
  if (document.visibilityState !== "hidden" || current() !== "granted") return;
  try {
    const shown = new Notification(note.title, { body: note.body, tag: note.tag });
    shown.onclick = () => {
      window.focus();
      if (note.sessionId !== null && open !== undefined) open(note.sessionId);
      shown.close();
    };
  } catch {
    /* a browser that offers Notification but refuses it here (some mobile ones) */
  }
}

const SIZE = 64;

/** The favicon: Helpline's mark, with the count in a red badge when something waits. */
export function drawFavicon(count: number): void {
  const link = faviconLink();
  const text = badgeText(count);
  link.dataset["count"] = String(Math.max(0, count));
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext("2d");
  if (ctx === null) return;
  ctx.fillStyle = "#1d5fbf";
  ctx.beginPath();
  ctx.arc(SIZE / 2, SIZE / 2, SIZE / 2, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = "#ffffff";
  ctx.font = `bold ${SIZE * 0.6}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText("H", SIZE / 2, SIZE / 2 + 2);
  if (text !== "") {
    const r = SIZE * 0.3;
    ctx.fillStyle = "#dc2626";
    ctx.beginPath();
    ctx.arc(SIZE - r, r, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.font = `bold ${text.length > 1 ? r : r * 1.3}px sans-serif`;
    ctx.fillText(text, SIZE - r, r + 1);
  }
  link.href = canvas.toDataURL("image/png");
}

function faviconLink(): HTMLLinkElement {
  const found = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (found !== null) return found;
  const link = document.createElement("link");
  link.rel = "icon";
  document.head.append(link);
  return link;
}
