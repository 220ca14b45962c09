/**
 * Which tab is selected, as pure state: selecting a tab reads it (its unread count goes
 * to zero), however it came to be selected, a click, a key or its neighbour closing.
 * tabs.ts applies these to the signals; tab-selection.test.ts holds the rules.
 */

import type { Tab } from "./state";

export interface TabSelection {
  tabs: readonly Tab[];
  activeId: string | null;
}

/** `id` selected and read; the tabs unchanged (same objects) where nothing changes. */
export function selectedTab(state: TabSelection, id: string): TabSelection {
  const tabs = state.tabs.some((t) => t.id === id && t.unread !== 0)
    ? state.tabs.map((t) => (t.id === id ? { ...t, unread: 0 } : t))
    : state.tabs;
  return { tabs, activeId: id };
}

/**
 * `id` closed. When it was the selected tab, the one that took its place is selected
 * (the next, or the previous at the end) the same way a click selects it.
 */
export function closedTab(state: TabSelection, id: string): TabSelection {
  const index = state.tabs.findIndex((t) => t.id === id);
  if (index < 0) return state;
  const rest = state.tabs.filter((t) => t.id !== id);
  if (state.activeId !== id) return { tabs: rest, activeId: state.activeId };
  const next = rest[index] ?? rest[index - 1];
  return next === undefined ? { tabs: rest, activeId: null } : selectedTab({ tabs: rest, activeId: null }, next.id);
}
