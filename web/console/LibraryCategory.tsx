/**
 * One category of the Library: its name (renamed in place), its move and delete
 * buttons, its scripts in order, and the form that adds one.
 */

import { useState } from "preact/hooks";
import type { Script, ScriptCategory, ScriptKind } from "../common/protocol-bodies";
import { ConfirmDialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { focusLater } from "./focus";
import { deleteScript, orderScripts, renameCategory, type Run } from "./library-api";
import { NewScript, ScriptItem } from "./LibraryScript";
import { MoveButtons, useReorderableList } from "./Reorderable";

export function CategoryItem({
  kind,
  category,
  index,
  count,
  onMove,
  onDelete,
  run,
}: {
  kind: ScriptKind;
  category: ScriptCategory;
  /** Its place among `count` categories. */
  index: number;
  count: number;
  onMove: (step: number) => void;
  onDelete: () => void;
  run: Run;
}) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(category.name);
  const [deleting, setDeleting] = useState<Script | null>(null);
  const scripts = useReorderableList(category.scripts, {
    save: (moved) => run(() => orderScripts(category.id, moved.map((s) => s.id))),
    idPrefix: (script) => `script-${script.id}`,
  });
  const headingId = `cat-${category.id}-name`;

  return (
    <li class="library-category" data-testid="script-category" data-category={category.id}>
      <article aria-labelledby={headingId}>
        <div class="library-category__head">
          {renaming ? (
            <form
              class="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void run(() => renameCategory(category.id, name.trim())).then((ok) => {
                  if (ok) {
                    setRenaming(false);
                    focusLater(`cat-${category.id}-rename`);
                  }
                });
              }}
            >
              <TextField
                class="inline-field"
                id={`cat-${category.id}-rename-input`}
                label="Category name"
                value={name}
                onValue={setName}
                maxLength={120}
                autoFocus
              />
              <button type="submit" class="primary">
                Save name
              </button>
              <button
                type="button"
                onClick={() => {
                  setRenaming(false);
                  setName(category.name);
                }}
              >
                Cancel
              </button>
              <h4 id={headingId} class="visually-hidden">
                {category.name}
              </h4>
            </form>
          ) : (
            <h4 id={headingId} class="library-category__name">
              {category.name}
            </h4>
          )}
          {!renaming ? (
            <span class="library-actions">
              <button
                type="button"
                id={`cat-${category.id}-rename`}
                aria-label={`Rename category ${category.name}`}
                onClick={() => {
                  setName(category.name);
                  setRenaming(true);
                }}
              >
                Rename
              </button>
              <MoveButtons
                idPrefix={`cat-${category.id}`}
                name={`category ${category.name}`}
                index={index}
                count={count}
                onMove={onMove}
              />
              <button
                type="button"
                class="danger"
                aria-label={`Delete category ${category.name}`}
                aria-haspopup="dialog"
                onClick={onDelete}
              >
                Delete
              </button>
            </span>
          ) : null}
        </div>
        {scripts.items.length === 0 ? <p class="muted">No scripts in this category yet.</p> : null}
        <ol class="library-scripts">
          {scripts.items.map((script, i) => (
            <ScriptItem
              key={script.id}
              kind={kind}
              script={script}
              index={i}
              count={scripts.items.length}
              onMove={(step) => scripts.move(i, step)}
              onDelete={() => setDeleting(script)}
              run={run}
            />
          ))}
        </ol>
        <NewScript kind={kind} category={category} run={run} />
      </article>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete script?"
        message={deleting !== null ? `Delete “${deleting.title}” from ${category.name}? This cannot be undone.` : ""}
        confirmLabel="Delete script"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const gone = deleting;
          setDeleting(null);
          if (gone !== null) void run(() => deleteScript(gone.id));
        }}
      />
    </li>
  );
}
