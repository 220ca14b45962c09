/**
 * The Library page: scripted messages and URLs in categories (the team's, kept by
 * managers, and each representative's own), and the automatic greetings (managers).
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { PortalInfo, Script, ScriptCategory, ScriptKind } from "../common/protocol-bodies";
import { moveItem } from "../common/scripts";
import { ConfirmDialog } from "../common/ui/Dialog";
import {
  createCategory,
  createScript,
  deleteCategory,
  deleteScript,
  loadScripts,
  loadTeamGreeting,
  orderCategories,
  orderScripts,
  renameCategory,
  savePortalGreeting,
  saveTeamGreeting,
  updateScript,
} from "./library-api";
import { loadPortals } from "./session-actions";
import { me } from "./state";

type Section = "message" | "url" | "greetings";

const SECTION_LABELS: Record<Section, string> = {
  message: "Scripted messages",
  url: "Scripted URLs",
  greetings: "Greetings",
};

export const MAX_GREETING_CHARS = 1000;

function focusLater(...ids: string[]): void {
  requestAnimationFrame(() => {
    for (const id of ids) {
      const el = document.getElementById(id);
      const disabled = el instanceof HTMLButtonElement || el instanceof HTMLInputElement ? el.disabled : false;
      if (el instanceof HTMLElement && !disabled) {
        el.focus();
        return;
      }
    }
  });
}

export function LibraryPage() {
  const manager = me.value?.role === "manager";
  const sections: Section[] = manager ? ["message", "url", "greetings"] : ["message", "url"];
  const [section, setSection] = useState<Section>("message");

  const select = (next: Section) => {
    setSection(next);
    requestAnimationFrame(() => document.getElementById(`library-tab-${next}`)?.focus());
  };

  return (
    <div class="page library">
      <h2 class="page__title">Library</h2>
      <p class="muted">
        {manager
          ? "Keep the team's scripted messages and URLs, your own, and the automatic greetings. " +
            "Representatives insert scripts from the chat box."
          : "Keep your own scripted messages and URLs; insert them from the chat box. Managers keep the team's."}
      </p>
      <div
        class="page-tabs"
        role="tablist"
        aria-label="Library sections"
        onKeyDown={(e) => {
          const index = sections.indexOf(section);
          let next: Section | undefined;
          if (e.key === "ArrowRight") next = sections[(index + 1) % sections.length];
          else if (e.key === "ArrowLeft") next = sections[(index - 1 + sections.length) % sections.length];
          else if (e.key === "Home") next = sections[0];
          else if (e.key === "End") next = sections[sections.length - 1];
          if (next !== undefined) {
            e.preventDefault();
            select(next);
          }
        }}
      >
        {sections.map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            id={`library-tab-${s}`}
            class={`page-tab${s === section ? " is-current" : ""}`}
            aria-selected={s === section ? "true" : "false"}
            aria-controls="library-panel"
            tabIndex={s === section ? 0 : -1}
            onClick={() => setSection(s)}
          >
            {SECTION_LABELS[s]}
          </button>
        ))}
      </div>
      <div id="library-panel" role="tabpanel" aria-labelledby={`library-tab-${section}`} class="page-panel">
        {section === "greetings" ? <Greetings /> : <ScriptLibrary key={section} kind={section} manager={manager} />}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- scripts

function ScriptLibrary({ kind, manager }: { kind: ScriptKind; manager: boolean }) {
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
  const run = async (change: () => Promise<void>): Promise<boolean> => {
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
              setCategories={(list) =>
                setLibrary((all) => [...(all ?? []).filter((c) => c.team !== team), ...list])
              }
              run={run}
            />
          ))
        : null}
    </div>
  );
}

type Run = (change: () => Promise<void>) => Promise<boolean>;

function Scope({
  kind,
  team,
  categories,
  setCategories,
  run,
}: {
  kind: ScriptKind;
  team: boolean;
  categories: ScriptCategory[];
  setCategories: (list: ScriptCategory[]) => void;
  run: Run;
}) {
  const [name, setName] = useState("");
  const [deleting, setDeleting] = useState<ScriptCategory | null>(null);
  const [busy, setBusy] = useState(false);
  const headingId = `scope-${kind}-${team ? "team" : "mine"}`;
  const title = team ? "Team library" : "My library";
  const things = kind === "message" ? "messages" : "URLs";

  const move = (index: number, step: number) => {
    const moved = moveItem(categories, index, step);
    const category = categories[index];
    if (category === undefined) return;
    setCategories(moved);
    void run(() => orderCategories(kind, team, moved.map((c) => c.id))).then(() =>
      focusLater(`cat-${category.id}-${step < 0 ? "up" : "down"}`, `cat-${category.id}-${step < 0 ? "down" : "up"}`),
    );
  };

  return (
    <section class="library-scope" aria-labelledby={headingId} data-testid={team ? "team-library" : "my-library"}>
      <h3 id={headingId}>{title}</h3>
      <p class="muted">
        {team
          ? `Scripted ${things} every representative of the team can insert.`
          : `Your own scripted ${things}; only you see them.`}
      </p>
      {categories.length === 0 ? <p class="muted">No categories yet.</p> : null}
      <ol class="library-categories">
        {categories.map((category, index) => (
          <CategoryItem
            key={category.id}
            kind={kind}
            category={category}
            first={index === 0}
            last={index === categories.length - 1}
            onMove={(step) => move(index, step)}
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
        <label for={`${headingId}-new`}>{team ? "New team category" : "New personal category"}</label>
        <input
          id={`${headingId}-new`}
          value={name}
          maxLength={120}
          onInput={(e) => setName(e.currentTarget.value)}
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

function CategoryItem({
  kind,
  category,
  first,
  last,
  onMove,
  onDelete,
  run,
}: {
  kind: ScriptKind;
  category: ScriptCategory;
  first: boolean;
  last: boolean;
  onMove: (step: number) => void;
  onDelete: () => void;
  run: Run;
}) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(category.name);
  const [scripts, setScripts] = useState<Script[]>(category.scripts);
  const [deleting, setDeleting] = useState<Script | null>(null);
  const headingId = `cat-${category.id}-name`;

  useEffect(() => setScripts(category.scripts), [category.scripts]);

  const moveScript = (index: number, step: number) => {
    const moved = moveItem(scripts, index, step);
    const script = scripts[index];
    if (script === undefined) return;
    setScripts(moved);
    void run(() => orderScripts(category.id, moved.map((s) => s.id))).then(() =>
      focusLater(`script-${script.id}-${step < 0 ? "up" : "down"}`, `script-${script.id}-${step < 0 ? "down" : "up"}`),
    );
  };

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
              <label for={`cat-${category.id}-rename-input`}>Category name</label>
              <input
                id={`cat-${category.id}-rename-input`}
                value={name}
                maxLength={120}
                autoFocus
                onInput={(e) => setName(e.currentTarget.value)}
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
              <button
                type="button"
                id={`cat-${category.id}-up`}
                aria-label={`Move category ${category.name} up`}
                disabled={first}
                onClick={() => onMove(-1)}
              >
                Up
              </button>
              <button
                type="button"
                id={`cat-${category.id}-down`}
                aria-label={`Move category ${category.name} down`}
                disabled={last}
                onClick={() => onMove(1)}
              >
                Down
              </button>
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
        {scripts.length === 0 ? <p class="muted">No scripts in this category yet.</p> : null}
        <ol class="library-scripts">
          {scripts.map((script, index) => (
            <ScriptItem
              key={script.id}
              kind={kind}
              script={script}
              first={index === 0}
              last={index === scripts.length - 1}
              onMove={(step) => moveScript(index, step)}
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
      <div class="field">
        <label for={`${idPrefix}-title`}>Title</label>
        <input id={`${idPrefix}-title`} value={title} maxLength={120} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={`${idPrefix}-text`}>{kind === "message" ? "Message" : "URL"}</label>
        {kind === "message" ? (
          <textarea
            id={`${idPrefix}-text`}
            rows={3}
            maxLength={4000}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        ) : (
          <input
            id={`${idPrefix}-text`}
            type="url"
            inputMode="url"
            placeholder="https://"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        )}
      </div>
    </>
  );
}

function ScriptItem({
  kind,
  script,
  first,
  last,
  onMove,
  onDelete,
  run,
}: {
  kind: ScriptKind;
  script: Script;
  first: boolean;
  last: boolean;
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
        <button
          type="button"
          id={`script-${script.id}-up`}
          aria-label={`Move ${script.title} up`}
          disabled={first}
          onClick={() => onMove(-1)}
        >
          Up
        </button>
        <button
          type="button"
          id={`script-${script.id}-down`}
          aria-label={`Move ${script.title} down`}
          disabled={last}
          onClick={() => onMove(1)}
        >
          Down
        </button>
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

function NewScript({ kind, category, run }: { kind: ScriptKind; category: ScriptCategory; run: Run }) {
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

// ---------------------------------------------------------------- greetings

function Greetings() {
  const [team, setTeam] = useState<string | null>(null);
  const [portals, setPortals] = useState<PortalInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([loadTeamGreeting(), loadPortals()])
      .then(([t, p]) => {
        setTeam(t);
        setPortals(p);
      })
      .catch((err: unknown) => setError(errorMessage(err)));
  }, []);

  return (
    <div class="stack">
      <p class="muted">
        The greeting is sent in the representative's name when they pick a session up or a customer joins with
        their code. A portal's greeting replaces the team's for its customers; leave it empty to use the team's.
        Placeholders: {"{customer.name}"}, {"{representative.name}"}, {"{session.id}"}, {"{portal.name}"}.
      </p>
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {team === null || portals === null ? (
        error === null ? (
          <p role="status">Loading…</p>
        ) : null
      ) : (
        <>
          <GreetingForm
            id="greeting-team"
            label="Team greeting"
            saveLabel="Save team greeting"
            initial={team}
            save={saveTeamGreeting}
          />
          {portals.map((p) => (
            <GreetingForm
              key={p.slug}
              id={`greeting-${p.slug}`}
              label={`Greeting for ${p.name}`}
              saveLabel={`Save greeting for ${p.name}`}
              initial={p.greeting}
              save={(text) => savePortalGreeting(p.slug, text)}
            />
          ))}
        </>
      )}
    </div>
  );
}

function GreetingForm({
  id,
  label,
  saveLabel,
  initial,
  save,
}: {
  id: string;
  label: string;
  saveLabel: string;
  initial: string;
  save: (text: string) => Promise<string>;
}) {
  const [text, setText] = useState(initial);
  const [saved, setSaved] = useState(initial);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const count = text.length;
  const over = count > MAX_GREETING_CHARS;

  return (
    <form
      class="greeting"
      data-testid="greeting-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (over) {
          setMessage({ text: `A greeting has at most ${MAX_GREETING_CHARS} characters.`, error: true });
          return;
        }
        setBusy(true);
        setMessage(null);
        save(text)
          .then((stored) => {
            setText(stored);
            setSaved(stored);
            setMessage({ text: "Saved.", error: false });
          })
          .catch((err: unknown) => setMessage({ text: errorMessage(err), error: true }))
          .finally(() => setBusy(false));
      }}
    >
      <div class="field">
        <label for={id}>{label}</label>
        <textarea
          id={id}
          rows={3}
          maxLength={MAX_GREETING_CHARS}
          value={text}
          aria-describedby={`${id}-count`}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setMessage(null);
          }}
        />
        <span id={`${id}-count`} class={`muted greeting__count${over ? " form-error" : ""}`} data-testid="greeting-count">
          {count.toLocaleString("en")} / {MAX_GREETING_CHARS.toLocaleString("en")} characters
        </span>
      </div>
      <div class="library-actions">
        <button type="submit" class="primary" disabled={busy || text === saved}>
          {saveLabel}
        </button>
        {message !== null ? (
          <span class={message.error ? "form-error" : "muted"} role={message.error ? "alert" : "status"}>
            {message.text}
          </span>
        ) : null}
      </div>
    </form>
  );
}
