/**
 * The Library's Greetings section (managers): the team's automatic greeting and each
 * portal's own, which replaces the team's for its customers.
 */

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { PortalInfo } from "../common/protocol-bodies";
import { TextField } from "../common/ui/TextField";
import { loadTeamGreeting, savePortalGreeting, saveTeamGreeting } from "./library-api";
import { loadPortals } from "./session-actions";

export const MAX_GREETING_CHARS = 1000;

export function Greetings() {
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
      <TextField
        multiline
        id={id}
        label={label}
        value={text}
        onValue={(value) => {
          setText(value);
          setMessage(null);
        }}
        rows={3}
        maxLength={MAX_GREETING_CHARS}
        hintClass={`muted greeting__count${over ? " form-error" : ""}`}
        hint={
          <span data-testid="greeting-count">
            {count.toLocaleString("en")} / {MAX_GREETING_CHARS.toLocaleString("en")} characters
          </span>
        }
      />
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
