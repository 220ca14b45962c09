import { describe, expect, it } from "vitest";
import { decodeReport, reportAsText } from "./diagnostics";
import sample from "./diagnostics-text.fixture.json";

describe("diagnostics reports", () => {
  it("copies as the same text the server's report_as_text makes", () => {
    // The fixture's text was made by the server's Python; a unit test there checks it too.
    expect(reportAsText(decodeReport(sample.report))).toBe(sample.text);
  });

  it("aligns labels and table columns and ends with one newline (trailing spaces of the last line go, as in Python)", () => {
    const text = reportAsText(
      decodeReport({
        sections: [
          { id: "a", title: "A", fields: [["x", "1"], ["long label", "2"]], table: null },
          { id: "b", title: "B", fields: [], table: { columns: ["N", "Value"], rows: [["10", "v"]] } },
        ],
      }),
    );
    expect(text).toBe("== A ==\nx           1\nlong label  2\n\n== B ==\nN   Value\n10  v\n");
  });

  it("turns anything that is not a report into an empty one, never throwing", () => {
    expect(decodeReport(null)).toEqual({ collected_at: "", elevated: false, sections: [] });
    expect(reportAsText(decodeReport("nonsense"))).toBe("\n");
    const odd = decodeReport({ sections: [{ id: "s", title: 5, fields: [["only label"], "x"], table: { columns: [] } }] });
    expect(odd.sections[0]).toEqual({ id: "s", title: "", fields: [["only label", ""]], table: null });
  });

  it("keeps every value as text, markup included", () => {
    const report = decodeReport({
      sections: [{ id: "s", title: "<b>T</b>", fields: [["<img src=x>", "a & b"]], table: null }],
    });
    expect(reportAsText(report)).toBe("== <b>T</b> ==\n<img src=x>  a & b\n");
  });
});
