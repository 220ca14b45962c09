/**
 * A Library section's scripts (scripted messages, or scripted URLs): the team's library
 * (managers) and the person's own, each a list of categories to add, order and delete.
 * The section reads the library and runs every change, so one error line and one
 * reload serve all of its parts.
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { ScriptCategory, ScriptKind } from "../common/protocol-bodies";
import { ConfirmDialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { CategoryItem } from "./LibraryCategory";
import { createCategory, deleteCategory, loadScripts, orderCategories, type Run } from "./library-api";
import { useReorderableList } from "./Reorderable";

export function ScriptLibrary({ kind, manager }: { kind: ScriptKind; manager: boolean }) {
  const [library, setLibrary] = useState<ScriptCategory[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = async () => {
    try {
      setLibrary(await loadScripts(kind));
    } catch (err) {
      setError(errorMessage(err));
      setLibrary((current) => current ?? []);
    }
  };

  useEffect(() => {
    void reload();
  }, [kind]);

  /** Run a change, show its error if any, then read the library again. */
  const run: Run = async (change) => {
    setError(null);
    try {
      await change();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      await reload();
    }
  };

  const scopes = manager ? [true, false] : [false];
  return (
    <div class="stack">
      {error !== null ? (
        <p class="form-error" role="alert" data-testid="library-error">
          {error}{" "}
          <button type="button" class="link-button" onClick={() => setError(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
      {library === null ? <p role="status">Loading…</p> : null}
      {library !== null
        ? scopes.map((team) => (
            <Scope
              key={String(team)}
              kind={kind}
              team={team}
              categories={library.filter((c) => c.team === team)}
              run={run}
            />
          ))
        : null}
    </div>
  );
}

function Scope({
  kind,
  team,
  categories,
  run,
}: {
  kind: ScriptKind;
  team: boolean;
  categories: ScriptCategory[];
  run: Run;
}) {
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState<ScriptCategory | null>(null);
  const [busy, setBusy] = useState(false);
  const ordered = useReorderableList(categories, {
    save: (moved) => run(() => orderCategories(kind, team, moved.map((c) => c.id))),
    idPrefix: (category) => `cat-${category.id}`,
  });
  const headingId = `scope-${kind}-${team ? "team" : "mine"}`;
  const title = team ? "Team library" : "My library";
  const things = kind === "message" ? "messages" : "URLs";

  return (
    <section class="library-scope" aria-labelledby={headingId} data-testid={team ? "team-library" : "my-library"}>
      <h3 id={headingId}>{title}</h3>
      <p class="muted">
        {team
          ? `Scripted ${things} every representative of the team can insert.`
          : `Your own scripted ${things}; only you see them.`}
      </p>
      {ordered.items.length === 0 ? <p class="muted">No categories yet.</p> : null}
      <ol class="library-categories">
        {ordered.items.map((category, index) => (
          <CategoryItem
            key={category.id}
            kind={kind}
            category={category}
            index={index}
            count={ordered.items.length}
            onMove={(step) => ordered.move(index, step)}
            onDelete={() => setDeleting(category)}
            run={run}
          />
        ))}
      </ol>
      <form
        class="inline-form"
        aria-label={team ? "Add a team category" : "Add a personal category"}
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() === "") return;
          setBusy(true);
          void run(() => createCategory(kind, team, name.trim()))
            .then((ok) => {
              if (ok) setName("");
            })
            .finally(() => setBusy(false));
        }}
      >
        <TextField
          class="inline-field"
          id={`${headingId}-new`}
          label={team ? "New team category" : "New personal category"}
          value={name}
          onValue={setName}
          maxLength={120}
        />
        <button type="submit" disabled={busy || name.trim() === ""}>
          Add category
        </button>
      </form>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete category?"
        message={
          deleting !== null
            ? `Delete the category “${deleting.name}” and its ${deleting.scripts.length} ${
                deleting.scripts.length === 1 ? "script" : "scripts"
              }? This cannot be undone.`
            : ""
        }
        confirmLabel="Delete category"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const gone = deleting;
          setDeleting(null);
          if (gone !== null) void run(() => deleteCategory(gone.id));
        }}
      />
    </section>
  );
}
