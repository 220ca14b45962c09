/**
 * What the console does with each message from its socket: frames change the queue,
 * the tabs and the alerts; events go into their tab; binary messages are screen
 * pictures. The rules are the pure functions of frame-reducer.ts; this module applies
 * them to the signals and does the rest (sounds, notices, subscribing).
 */

import { batch } from "@preact/signals";
import type { Session, SessionEvent } from "../common/protocol";
import type { ServerFrame } from "../common/protocol-frames";
import { chime } from "../common/sound";
import { showNote } from "./background-edge";
import { messageNote } from "./background-notes";
import { addInvitation, raiseAlert, removeFromQueue, removeInvitation, updateTitle } from "./alerts";
import { amIn, applyEvent, droppedOutNotice, queueAdded, refusedTab, subscribedTab } from "./frame-reducer";
import { loadCodes } from "./session-actions";
import {
  activeId,
  codes,
  invitations,
  leaving,
  me,
  preferences,
  queue,
  screenFeed,
  showNotice,
  tabs,
  view,
} from "./state";
import { closeTab, openTab, selectTab, updateTab } from "./tabs";

export function onFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case "welcome":
      if (frame.role !== "representative") return;
      batch(() => {
        me.value = frame.me;
        queue.value = frame.queue;
        for (const session of frame.sessions) openTab(session, false);
        invitations.value = [];
        for (const invitation of frame.invitations) addInvitation(invitation, false);
        updateTitle();
      });
      return;
    case "subscribed":
      updateTab(frame.session.id, (t) => subscribedTab(t, frame.session, frame.last_seq));
      return;
    case "session":
      updateTab(frame.session.id, (t) => ({ ...t, session: frame.session }));
      if (frame.session.status !== "waiting") removeFromQueue(frame.session.id);
      if (frame.session.status !== "ended" && !amIn(frame.session, me.value?.id)) droppedOut(frame.session);
      return;
    case "assigned":
      if (view.value !== "chats" && !tabs.value.some((t) => t.id === frame.session.id)) {
        const who = frame.session.customer.name || "a customer";
        showNotice(`A chat with ${who} (${frame.session.id}) is open under Chats.`);
      }
      openTab(frame.session, true);
      removeFromQueue(frame.session.id);
      // A customer may have used one of my codes: it is no longer active.
      if (codes.value.length > 0) void loadCodes().catch(() => undefined);
      return;
    case "invitation":
      addInvitation(frame.invitation, true);
      return;
    case "invitation_closed":
      removeInvitation(frame.id);
      return;
    case "queue":
      if (frame.action === "added") {
        const added = queueAdded(queue.value, frame.session);
        queue.value = added.queue;
        if (added.isNew) raiseAlert(frame.session);
      } else {
        removeFromQueue(frame.session.id);
      }
      return;
    case "error":
      // Refused for speed: the line stays queued and goes out by itself; say why it waits.
      if (frame.code === "rate_limited") {
        showNotice(frame.message, "info");
        return;
      }
      if (frame.client_id !== null) return; // shown on the failed line
      if (frame.session !== null && tabs.value.some((t) => t.id === frame.session)) {
        updateTab(frame.session, (t) => refusedTab(t, frame.code, frame.message));
      } else {
        showNotice(frame.message, "error");
      }
      return;
    default:
      return;
  }
}

/** I left, or handed the session over: its tab closes; say so unless I asked for it here. */
function droppedOut(session: Session): void {
  if (!tabs.value.some((t) => t.id === session.id)) return;
  closeTab(session.id);
  if (leaving.delete(session.id)) return;
  showNotice(droppedOutNotice(session));
}

export function onEvent(sessionId: string, event: SessionEvent): void {
  const tab = tabs.value.find((t) => t.id === sessionId);
  if (tab === undefined) return;
  // A hidden console shows nothing: its selected tab counts unread like the others.
  const seen = activeId.value === sessionId && document.visibilityState === "visible";
  const applied = applyEvent(tab, event, me.value?.id, seen);
  updateTab(sessionId, () => applied.tab);
  if (applied.ring && preferences.value.chat_sound) chime("message");
  const note = applied.ring ? messageNote(tab.session, event) : null;
  if (note !== null) showNote(note, selectTab);
  if (applied.clearScreen) screenFeed.clear(sessionId);
}

/** A binary message: a screen frame of a session I follow. */
export function onBinary(data: ArrayBuffer): void {
  const frame = screenFeed.receive(data);
  if (frame !== null && !tabs.value.some((t) => t.id === frame.session)) screenFeed.clear(frame.session);
}
