// @vitest-environment happy-dom
import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { Dialog } from "./Dialog";

let root: HTMLElement;

afterEach(() => {
  act(() => render(null, root));
  root.remove();
});

describe("Dialog", () => {
  it("is named by its own heading when another dialog has the same title", () => {
    root = document.createElement("div");
    document.body.append(root);
    const noop = () => undefined;
    act(() =>
      render(
        <>
          <Dialog open={false} title="Delete category?" onClose={noop} testId="first">
            <p>one</p>
          </Dialog>
          <Dialog open={false} title="Delete category?" onClose={noop} testId="second">
            <p>two</p>
          </Dialog>
        </>,
        root,
      ),
    );
    const dialogs = [...root.querySelectorAll("dialog")];
    expect(dialogs).toHaveLength(2);
    const ids = dialogs.map((d) => d.getAttribute("aria-labelledby") ?? "");
    expect(new Set(ids).size).toBe(2);
    for (const dialog of dialogs) {
      const heading = document.getElementById(dialog.getAttribute("aria-labelledby") ?? "");
      expect(heading?.closest("dialog")).toBe(dialog);
      expect(heading?.textContent).toBe("Delete category?");
    }
  });
});
