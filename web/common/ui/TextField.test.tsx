// @vitest-environment happy-dom
import { render, type ComponentChild } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TextField } from "./TextField";

let root: HTMLElement;

function show(node: ComponentChild): HTMLElement {
  root = document.createElement("div");
  document.body.append(root);
  act(() => render(node, root));
  return root;
}

/** The control a person finds by its label, as a screen reader or Playwright's get_by_label does. */
function byLabel(text: string): HTMLInputElement | HTMLTextAreaElement {
  const label = [...root.querySelectorAll("label")].find((l) => l.textContent === text);
  const control = label === undefined ? null : document.getElementById(label.htmlFor);
  if (!(control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement)) {
    throw new Error(`No field labelled ${text}`);
  }
  return control;
}

function describedBy(control: HTMLElement): string[] {
  const ids = control.getAttribute("aria-describedby")?.split(" ") ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? `(missing ${id})`);
}

afterEach(() => {
  act(() => render(null, root));
  root.remove();
});

describe("TextField", () => {
  it("is found by its label, shows its value and reports what is typed", () => {
    const typed = vi.fn<(value: string) => void>();
    show(<TextField id="login-username" label="Username" value="bob" onValue={typed} autocomplete="username" />);
    const input = byLabel("Username");
    expect(input).toBeInstanceOf(HTMLInputElement);
    expect(input.value).toBe("bob");
    expect(input.getAttribute("autocomplete")).toBe("username");
    input.value = "bobby";
    act(() => {
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    expect(typed).toHaveBeenCalledWith("bobby");
  });

  it("passes the input's own attributes through: a password stays hidden", () => {
    show(<TextField id="pw" label="Password" value="" onValue={() => undefined} type="password" required />);
    const input = byLabel("Password");
    expect(input.getAttribute("type")).toBe("password");
    expect(input.required).toBe(true);
  });

  it("is a text area when multiline, with its rows and length limit", () => {
    show(<TextField multiline id="notes" label="Notes" value="a" onValue={() => undefined} rows={4} maxLength={40} />);
    const area = byLabel("Notes");
    expect(area).toBeInstanceOf(HTMLTextAreaElement);
    expect(area.getAttribute("rows")).toBe("4");
    expect(area.maxLength).toBe(40);
  });

  it("reads its hint and error out with the field, and is invalid only with an error", () => {
    show(
      <TextField id="greet" label="Greeting" value="" onValue={() => undefined} hint="0 / 1,000 characters" />,
    );
    const field = byLabel("Greeting");
    expect(describedBy(field)).toEqual(["0 / 1,000 characters"]);
    expect(field.getAttribute("aria-invalid")).toBeNull();
    expect(root.querySelector("[role=alert]")).toBeNull();

    act(() =>
      render(
        <TextField
          id="greet"
          label="Greeting"
          value=""
          onValue={() => undefined}
          hint="0 / 1,000 characters"
          error="A greeting has at most 1000 characters."
        />,
        root,
      ),
    );
    expect(describedBy(field)).toEqual(["0 / 1,000 characters", "A greeting has at most 1000 characters."]);
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(root.querySelector("[role=alert]")?.textContent).toBe("A greeting has at most 1000 characters.");
  });

  it("says nothing more than its label when it has no hint or error", () => {
    show(<TextField id="q" label="Words" value="" onValue={() => undefined} />);
    expect(byLabel("Words").hasAttribute("aria-describedby")).toBe(false);
    expect(root.querySelector(".field")?.children).toHaveLength(2);
  });
});
