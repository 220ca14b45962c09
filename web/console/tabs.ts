/**
 * The console's session tabs: opening, selecting, cycling and closing them, and the
 * per-tab drafts. Split from the store so that frames and actions share one way to
 * change a tab (updateTab), and the socket follows exactly the open tabs.
 */

import { batch } from "@preact/signals";
import type { Session } from "../common/protocol";
import { newTab } from "./frame-reducer";
import { activeId, currentSocket, screenFeed, tabs, type Tab } from "./state";
import { closedTab, selectedTab, type TabSelection } from "./tab-selection";

export function updateTab(id: string, change: (tab: Tab) => Tab): void {
  tabs.value = tabs.value.map((t) => (t.id === id ? change(t) : t));
}

/** Add a tab for `session` if there is none; focus it if asked (or if none is focused). */
export function openTab(session: Session, focus: boolean): void {
  batch(() => {
    const existing = tabs.value.find((t) => t.id === session.id);
    if (existing === undefined) {
      tabs.value = [...tabs.value, newTab(session, Date.now())];
    } else {
      updateTab(session.id, (t) => ({ ...t, session }));
    }
    if (focus || activeId.value === null) selectTab(session.id);
  });
  currentSocket()?.subscribe(session.id);
}

function applySelection(next: TabSelection): void {
  batch(() => {
    if (next.tabs !== tabs.value) tabs.value = [...next.tabs];
    activeId.value = next.activeId;
  });
}

export function selectTab(id: string): void {
  applySelection(selectedTab({ tabs: tabs.value, activeId: activeId.value }, id));
}

export function closeTab(id: string): void {
  if (!tabs.value.some((t) => t.id === id)) return;
  currentSocket()?.forget(id);
  screenFeed.clear(id);
  applySelection(closedTab({ tabs: tabs.value, activeId: activeId.value }, id));
}

/** Move the selection by `step` tabs, wrapping around. */
export function cycleTab(step: number): void {
  const list = tabs.value;
  if (list.length === 0) return;
  const index = list.findIndex((t) => t.id === activeId.value);
  const next = list[(((index < 0 ? 0 : index + step) % list.length) + list.length) % list.length];
  if (next !== undefined) selectTab(next.id);
}

export function selectTabNumber(n: number): void {
  const tab = tabs.value[n - 1];
  if (tab !== undefined) selectTab(tab.id);
}

export function setDraft(sessionId: string, draft: string): void {
  updateTab(sessionId, (t) => ({ ...t, draft }));
}

export function setNoteDraft(sessionId: string, noteDraft: string): void {
  updateTab(sessionId, (t) => ({ ...t, noteDraft }));
}

export function setRecipient(sessionId: string, to: string): void {
  updateTab(sessionId, (t) => ({ ...t, to }));
}
