import { describe, expect, it } from "vitest";
import { safeHref, splitLinks } from "./linkify";

describe("splitLinks", () => {
  it("leaves plain text alone", () => {
    expect(splitLinks("hello there")).toEqual([{ kind: "text", text: "hello there" }]);
    expect(splitLinks("")).toEqual([]);
  });

  it("finds http and https links among text", () => {
    expect(splitLinks("see https://example.com/a?b=1 now")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: " now" },
    ]);
    expect(splitLinks("http://x.org")).toEqual([{ kind: "link", text: "http://x.org", href: "http://x.org/" }]);
  });

  it("keeps sentence punctuation and closing brackets out of the link", () => {
    expect(splitLinks("Go to https://a.example/docs.")).toEqual([
      { kind: "text", text: "Go to " },
      { kind: "link", text: "https://a.example/docs", href: "https://a.example/docs" },
      { kind: "text", text: "." },
    ]);
    const wiki = splitLinks("(see https://en.wikipedia.org/wiki/Foo_(bar))");
    expect(wiki[1]).toEqual({
      kind: "link",
      text: "https://en.wikipedia.org/wiki/Foo_(bar)",
      href: "https://en.wikipedia.org/wiki/Foo_(bar)",
    });
    expect(wiki[2]).toEqual({ kind: "text", text: ")" });
  });

  it("never links other schemes", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com", "file:///etc/passwd"]) {
      expect(splitLinks(text)).toEqual([{ kind: "text", text }]);
    }
  });

  it("keeps markup as text", () => {
    const text = '<img src=x onerror=alert(1)> and <a href="javascript:x">y</a>';
    expect(splitLinks(text)).toEqual([{ kind: "text", text }]);
  });

  it("does not let a quote or angle bracket into the href", () => {
    const parts = splitLinks('x https://e.example/"onmouseover="alert(1) y');
    expect(parts[1]).toEqual({ kind: "link", text: "https://e.example/", href: "https://e.example/" });
    const angle = splitLinks("<https://e.example/path>");
    expect(angle).toEqual([
      { kind: "text", text: "<" },
      { kind: "link", text: "https://e.example/path", href: "https://e.example/path" },
      { kind: "text", text: ">" },
    ]);
  });

  it("finds several links and rebuilds the text exactly", () => {
    const text = "a https://one.example b http://two.example/x, c";
    const parts = splitLinks(text);
    expect(parts.filter((p) => p.kind === "link")).toHaveLength(2);
    expect(parts.map((p) => p.text).join("")).toBe(text);
  });

  it("leaves a scheme with no host as text", () => {
    expect(splitLinks("https:// nothing")).toEqual([{ kind: "text", text: "https:// nothing" }]);
  });
});

describe("safeHref", () => {
  it("accepts only http and https", () => {
    expect(safeHref("https://a.example")).toBe("https://a.example/");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("not a url")).toBeNull();
  });
});
