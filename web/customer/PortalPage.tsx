import { useEffect, useState } from "preact/hooks";
import { api, seg } from "../common/api";
import { useText, type TextKey } from "../common/i18n/text";
import { LinkedSentence } from "../common/ui/LinkedSentence";
import { decodeSession } from "../common/protocol";
import { decodePortal, type Portal } from "../common/protocol-bodies";
import { isObject } from "../common/protocol-json";
import { TextField } from "../common/ui/TextField";
import { Page } from "./Layout";
import { clientInfo, rememberSession } from "./storage";
import { sayError } from "../common/i18n/problems";

const FIELD_INPUTS: Record<string, { label: TextKey; type: string; autocomplete: string }> = {
  email: { label: "portal.email", type: "email", autocomplete: "email" },
  phone: { label: "portal.phone", type: "tel", autocomplete: "tel" },
  company: { label: "portal.company", type: "text", autocomplete: "organization" },
};

/** /p/<slug>: ask for help on a portal. */
export function PortalPage({ slug }: { slug: string }) {
  const text = useText();
  const { t } = text;
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
        document.title = t("portal.documentTitle", { portal: p.name });
      })
      .catch((err: unknown) =>
        setLoadError(
          sayError(err, text, { not_found: "portal.notFound" }, { slug }),
        ),
      );
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
      setError(sayError(err, text));
      setBusy(false);
    }
  };

  if (loadError !== null) {
    return (
      <Page title={t("portal.title")}>
        <p class="form-error" role="alert">
          {loadError}
        </p>
        <p>
          <LinkedSentence sentence={t("portal.joinHint")} href="/join" />
        </p>
      </Page>
    );
  }
  if (portal === null) {
    return (
      <Page title={t("portal.title")}>
        <p role="status">{t("portal.loading")}</p>
      </Page>
    );
  }
  return (
    <Page title={portal.name}>
      <p class="lead">{t("portal.lead")}</p>
      <form class="stack card" onSubmit={submit} aria-label={t("portal.form")}>
        <TextField
          id="customer-name"
          label={t("portal.name")}
          value={name}
          onValue={setName}
          name="name"
          autocomplete="name"
          required
          maxLength={80}
        />
        {portal.fields.map((f) => {
          const known = FIELD_INPUTS[f];
          const spec = known !== undefined ? { ...known, label: t(known.label) } : { label: f, type: "text", autocomplete: "off" };
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
          label={t("portal.question")}
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
          {busy ? t("portal.starting") : t("portal.start")}
        </button>
      </form>
    </Page>
  );
}
