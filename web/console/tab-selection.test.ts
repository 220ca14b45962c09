import { describe, expect, it } from "vitest";
import { decodeSession } from "../common/protocol";
import { newTab } from "./frame-reducer";
import type { Tab } from "./state";
import { closedTab, selectedTab } from "./tab-selection";

function tab(id: string, unread = 0): Tab {
  return { ...newTab(decodeSession({ id, status: "active", customer: { name: id } }), 0), unread };
}

const unread = (state: { tabs: readonly Tab[] }) => Object.fromEntries(state.tabs.map((t) => [t.id, t.unread]));

describe("selecting a tab", () => {
  it("reads it: its unread count goes to zero, the others keep theirs", () => {
    const state = { tabs: [tab("A"), tab("B", 2), tab("C", 1)], activeId: "A" };
    const next = selectedTab(state, "B");
    expect(next.activeId).toBe("B");
    expect(unread(next)).toEqual({ A: 0, B: 0, C: 1 });
  });

  it("keeps the same tabs when there was nothing unread", () => {
    const state = { tabs: [tab("A"), tab("B")], activeId: "A" };
    expect(selectedTab(state, "B").tabs).toBe(state.tabs);
  });
});

describe("closing a tab", () => {
  it("selects the next tab and clears its unread badge, as a click would", () => {
    const state = { tabs: [tab("A"), tab("B", 1), tab("C", 3)], activeId: "A" };
    const next = closedTab(state, "A");
    expect(next.activeId).toBe("B");
    expect(unread(next)).toEqual({ B: 0, C: 3 });
  });

  it("selects the previous tab when the last one closes, and reads it", () => {
    const state = { tabs: [tab("A", 4), tab("B", 1), tab("C")], activeId: "C" };
    const next = closedTab(state, "C");
    expect(next.activeId).toBe("B");
    expect(unread(next)).toEqual({ A: 4, B: 0 });
  });

  it("leaves the selection and every badge alone when another tab closes", () => {
    const state = { tabs: [tab("A"), tab("B", 1), tab("C", 2)], activeId: "A" };
    const next = closedTab(state, "B");
    expect(next.activeId).toBe("A");
    expect(unread(next)).toEqual({ A: 0, C: 2 });
  });

  it("selects nothing when the only tab closes, and ignores an unknown tab", () => {
    const state = { tabs: [tab("A")], activeId: "A" };
    expect(closedTab(state, "A")).toEqual({ tabs: [], activeId: null });
    expect(closedTab(state, "Z")).toBe(state);
  });
});
