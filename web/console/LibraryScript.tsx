/**
 * One script of the Library, shown or edited in place, and the form that adds a script
 * to a category (it stays open for the next one).
 */

import { useState } from "preact/hooks";
import type { Script, ScriptCategory, ScriptKind } from "../common/protocol-bodies";
import { TextField } from "../common/ui/TextField";
import { focusLater } from "./focus";
import { createScript, updateScript, type Run } from "./library-api";
import { MoveButtons } from "./Reorderable";

/** A script's title and its message (a text area) or URL. */
function ScriptFields({
  kind,
  idPrefix,
  title,
  text,
  setTitle,
  setText,
}: {
  kind: ScriptKind;
  idPrefix: string;
  title: string;
  text: string;
  setTitle: (v: string) => void;
  setText: (v: string) => void;
}) {
  return (
    <>
      <TextField id={`${idPrefix}-title`} label="Title" value={title} onValue={setTitle} maxLength={120} />
      {kind === "message" ? (
        <TextField
          multiline
          id={`${idPrefix}-text`}
          label="Message"
          value={text}
          onValue={setText}
          rows={3}
          maxLength={4000}
        />
      ) : (
        <TextField
          id={`${idPrefix}-text`}
          label="URL"
          value={text}
          onValue={setText}
          type="url"
          inputMode="url"
          placeholder="https://"
        />
      )}
    </>
  );
}

export function ScriptItem({
  kind,
  script,
  index,
  count,
  onMove,
  onDelete,
  run,
}: {
  kind: ScriptKind;
  script: Script;
  /** Its place among `count` scripts of its category. */
  index: number;
  count: number;
  onMove: (step: number) => void;
  onDelete: () => void;
  run: Run;
}) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(script.title);
  const [text, setText] = useState(script.text);

  if (editing) {
    return (
      <li class="library-script" data-testid="script" data-script={script.id}>
        <form
          class="stack"
          aria-label={`Edit ${script.title}`}
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => updateScript(script.id, title, text)).then((ok) => {
              if (ok) {
                setEditing(false);
                focusLater(`script-${script.id}-edit`);
              }
            });
          }}
        >
          <ScriptFields
            kind={kind}
            idPrefix={`script-${script.id}`}
            title={title}
            text={text}
            setTitle={setTitle}
            setText={setText}
          />
          <div class="library-actions">
            <button type="submit" class="primary">
              Save script
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                focusLater(`script-${script.id}-edit`);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      </li>
    );
  }
  return (
    <li class="library-script" data-testid="script" data-script={script.id}>
      <div class="library-script__body">
        <strong class="library-script__title">{script.title}</strong>
        <span class="library-script__text">{script.text}</span>
      </div>
      <span class="library-actions">
        <button
          type="button"
          id={`script-${script.id}-edit`}
          aria-label={`Edit ${script.title}`}
          onClick={() => {
            setTitle(script.title);
            setText(script.text);
            setEditing(true);
          }}
        >
          Edit
        </button>
        <MoveButtons idPrefix={`script-${script.id}`} name={script.title} index={index} count={count} onMove={onMove} />
        <button
          type="button"
          class="danger"
          aria-label={`Delete ${script.title}`}
          aria-haspopup="dialog"
          onClick={onDelete}
        >
          Delete
        </button>
      </span>
    </li>
  );
}

export function NewScript({ kind, category, run }: { kind: ScriptKind; category: ScriptCategory; run: Run }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const formId = `new-script-${category.id}-form`;
  const what = kind === "message" ? "message" : "URL";
  return (
    <div class="library-new">
      <button
        type="button"
        id={`new-script-${category.id}-toggle`}
        aria-expanded={open ? "true" : "false"}
        aria-controls={formId}
        aria-label={open ? `Hide the new ${what} form of ${category.name}` : `Add a ${what} to ${category.name}`}
        onClick={() => setOpen(!open)}
      >
        {open ? `Hide the new ${what} form` : `Add a ${what}`}
      </button>
      {open ? (
        <form
          id={formId}
          class="stack library-new__form"
          aria-label={`New ${what} in ${category.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            void run(() => createScript(category.id, title.trim(), kind === "url" ? text.trim() : text))
              .then((ok) => {
                if (ok) {
                  setTitle("");
                  setText("");
                  focusLater(`new-script-${category.id}-title`);
                }
              })
              .finally(() => setBusy(false));
          }}
        >
          <ScriptFields
            kind={kind}
            idPrefix={`new-script-${category.id}`}
            title={title}
            text={text}
            setTitle={setTitle}
            setText={setText}
          />
          <p class="muted">
            Placeholders: {"{customer.name}"}, {"{representative.name}"}, {"{session.id}"}, {"{portal.name}"}.
          </p>
          <div>
            <button type="submit" class="primary" disabled={busy || title.trim() === "" || text.trim() === ""}>
              Add script
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
