import { describe, expect, it } from "vitest";
import type { ScriptCategory } from "./protocol-bodies";
import { appendToDraft, moveItem, searchScripts } from "./scripts";

const library: ScriptCategory[] = [
  {
    id: 1,
    name: "Greetings",
    team: true,
    editable: false,
    scripts: [
      { id: 11, title: "Hello", text: "Hello {customer.name}, how can I help?" },
      { id: 12, title: "Wait", text: "One moment please, I am checking." },
    ],
  },
  {
    id: 2,
    name: "Printers",
    team: true,
    editable: false,
    scripts: [{ id: 21, title: "Driver", text: "Please install the newest driver (Café edition)." }],
  },
  { id: 3, name: "Empty", team: false, editable: true, scripts: [] },
];

describe("searchScripts", () => {
  it("keeps every non-empty category for an empty query", () => {
    expect(searchScripts(library, "  ").map((c) => c.id)).toEqual([1, 2]);
  });

  it("finds words in titles and texts across categories, in any case", () => {
    const found = searchScripts(library, "PLEASE");
    expect(found.map((c) => [c.id, c.scripts.map((s) => s.id)])).toEqual([
      [1, [12]],
      [2, [21]],
    ]);
    expect(searchScripts(library, "hello")[0]?.scripts.map((s) => s.id)).toEqual([11]);
  });

  it("needs every word, and ignores accents", () => {
    expect(searchScripts(library, "driver cafe").map((c) => c.id)).toEqual([2]);
    expect(searchScripts(library, "driver hello")).toEqual([]);
  });

  it("matches the category's name too", () => {
    expect(searchScripts(library, "printers")[0]?.scripts.map((s) => s.id)).toEqual([21]);
  });

  it("does not change the library it searched", () => {
    searchScripts(library, "wait");
    expect(library[0]?.scripts).toHaveLength(2);
  });
});

describe("moveItem", () => {
  it("moves up and down", () => {
    expect(moveItem(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moveItem(["a", "b", "c"], 1, 1)).toEqual(["a", "c", "b"]);
  });

  it("leaves the list as it is at the edges or for a bad index", () => {
    expect(moveItem(["a", "b"], 0, -1)).toEqual(["a", "b"]);
    expect(moveItem(["a", "b"], 1, 1)).toEqual(["a", "b"]);
    expect(moveItem(["a", "b"], 5, -1)).toEqual(["a", "b"]);
  });
});

describe("appendToDraft", () => {
  it("fills an empty box, and adds after what is typed with one space", () => {
    expect(appendToDraft("", "Hello Dana")).toBe("Hello Dana");
    expect(appendToDraft("Thanks.", "Bye")).toBe("Thanks. Bye");
    expect(appendToDraft("Thanks.\n", "Bye")).toBe("Thanks.\nBye");
    expect(appendToDraft("Thanks. ", "Bye")).toBe("Thanks. Bye");
  });
});
