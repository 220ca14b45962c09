/** The pickers of scripted messages and URLs in the chat box. */

import { useState } from "preact/hooks";
import type { Script, ScriptCategory, ScriptKind } from "../common/protocol-bodies";
import { searchScripts } from "../common/scripts";
import { Dialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { useLoaded } from "../common/useLoaded";
import { loadScripts } from "./library-api";
import { showView } from "./state";

export const PICKER_TITLES: Record<ScriptKind, string> = {
  message: "Scripted messages",
  url: "Scripted URLs",
};

interface PickerProps {
  open: boolean;
  kind: ScriptKind;
  onClose: () => void;
  /** The chosen script's text, placeholders not yet filled. */
  onChoose: (text: string) => void;
  returnFocus?: () => HTMLElement | null;
}

export function ScriptPicker({ open, kind, onClose, onChoose, returnFocus }: PickerProps) {
  return (
    <Dialog
      open={open}
      title={PICKER_TITLES[kind]}
      onClose={onClose}
      testId={`${kind}-picker`}
      class="dialog--wide"
      returnFocus={returnFocus}
    >
      <PickerBody kind={kind} onClose={onClose} onChoose={onChoose} />
    </Dialog>
  );
}

interface BodyProps {
  kind: ScriptKind;
  onClose: () => void;
  onChoose: (text: string) => void;
}

function PickerBody({ kind, onClose, onChoose }: BodyProps) {
  const { value, error } = useLoaded(() => loadScripts(kind), [kind]);
  // A library that could not be read shows as empty, beside the error.
  const library: ScriptCategory[] | null = error !== null ? [] : value;
  const [query, setQuery] = useState("");
  const what = kind === "message" ? "scripted messages" : "scripted URLs";

  const found = library === null ? [] : searchScripts(library, query);
  const empty = library !== null && library.every((c) => c.scripts.length === 0);
  const choose = (script: Script) => {
    onChoose(script.text);
    onClose();
  };

  return (
    <div class="stack picker">
      <TextField
        id={`${kind}-picker-search`}
        label={`Search ${what}`}
        value={query}
        onValue={setQuery}
        type="search"
        autoFocus
        placeholder="Words from the title or the text"
        onKeyDown={(e) => {
          const first = found[0]?.scripts[0];
          if (e.key === "Enter" && first !== undefined) {
            e.preventDefault();
            choose(first);
          }
        }}
        hint={
          <>
            Enter inserts the first match. Placeholders such as {"{customer.name}"} are filled in; you can edit the
            text before {kind === "message" ? "sending it" : "pushing it"}.
          </>
        }
      />
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {library === null ? <p role="status">Loading {what}…</p> : null}
      {empty ? (
        <p>
          There are no {what} yet.{" "}
          <a
            href="#/library"
            onClick={(e) => {
              e.preventDefault();
              onClose();
              showView("library");
            }}
          >
            Open the Library
          </a>{" "}
          to add some.
        </p>
      ) : null}
      {library !== null && !empty && found.length === 0 ? (
        <p role="status">Nothing matches “{query}”.</p>
      ) : null}
      <div class="picker__results" data-testid="picker-results">
        {found.map((category) => (
          <section key={category.id} class="picker__category" aria-labelledby={`picker-cat-${category.id}`}>
            <h3 id={`picker-cat-${category.id}`}>
              {category.name} <span class="badge badge--scope">{category.team ? "Team" : "Mine"}</span>
            </h3>
            <ul class="picker__list">
              {category.scripts.map((script) => (
                <li key={script.id}>
                  <button
                    type="button"
                    class="picker__item"
                    data-testid="picker-item"
                    onClick={() => choose(script)}
                  >
                    <span class="picker__title">{script.title}</span>
                    <span class="picker__text">{script.text}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </div>
  );
}
