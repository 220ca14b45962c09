import { useEffect, useState } from "preact/hooks";
import { api, errorMessage, seg } from "../common/api";
import { decodeSession } from "../common/protocol";
import { decodePortal, type Portal } from "../common/protocol-bodies";
import { isObject } from "../common/protocol-json";
import { TextField } from "../common/ui/TextField";
import { Page } from "./Layout";
import { clientInfo, rememberSession } from "./storage";

const FIELD_INPUTS: Record<string, { label: string; type: string; autocomplete: string }> = {
  email: { label: "Email", type: "email", autocomplete: "email" },
  phone: { label: "Phone", type: "tel", autocomplete: "tel" },
  company: { label: "Company", type: "text", autocomplete: "organization" },
};

/** /p/<slug>: ask for help on a portal. */
export function PortalPage({ slug }: { slug: string }) {
  const [portal, setPortal] = useState<Portal | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [query, setQuery] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api("GET", `/api/portals/${seg(slug)}`)
      .then((body) => {
        const p = decodePortal(body);
        setPortal(p);
        document.title = `${p.name} · Helpline`;
      })
      .catch((err: unknown) => setLoadError(errorMessage(err)));
  }, [slug]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (portal === null) return;
    setBusy(true);
    setError(null);
    try {
      const extra: Record<string, string> = {};
      for (const f of portal.fields) extra[f] = (fields[f] ?? "").trim();
      const body = await api("POST", `/api/portals/${seg(slug)}/sessions`, {
        name: name.trim(),
        query: query.trim(),
        fields: extra,
        client: clientInfo(),
      });
      if (isObject(body)) rememberSession(decodeSession(body["session"]).id);
      location.assign("/chat");
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  if (loadError !== null) {
    return (
      <Page title="Support">
        <p class="form-error" role="alert">
          {loadError}
        </p>
        <p>
          If a representative gave you a session code, <a href="/join">enter it here</a>.
        </p>
      </Page>
    );
  }
  if (portal === null) {
    return (
      <Page title="Support">
        <p role="status">Loading…</p>
      </Page>
    );
  }
  return (
    <Page title={portal.name}>
      <p class="lead">Tell us who you are and what you need help with. A representative will be with you shortly.</p>
      <form class="stack card" onSubmit={submit} aria-label="Ask for help">
        <TextField
          id="customer-name"
          label="Your name"
          value={name}
          onValue={setName}
          name="name"
          autocomplete="name"
          required
          maxLength={80}
        />
        {portal.fields.map((f) => {
          const spec = FIELD_INPUTS[f] ?? { label: f, type: "text", autocomplete: "off" };
          return (
            <TextField
              key={f}
              id={`field-${f}`}
              label={spec.label}
              value={fields[f] ?? ""}
              onValue={(value) => setFields((prev) => ({ ...prev, [f]: value }))}
              name={f}
              type={spec.type}
              autocomplete={spec.autocomplete}
              maxLength={200}
            />
          );
        })}
        <TextField
          multiline
          id="customer-query"
          label="Your question"
          value={query}
          onValue={setQuery}
          name="query"
          rows={4}
          maxLength={2000}
        />
        {error !== null ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Starting…" : "Start chat"}
        </button>
      </form>
    </Page>
  );
}
