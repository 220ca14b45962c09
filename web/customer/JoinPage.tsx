import { useState } from "preact/hooks";
import { api } from "../common/api";
import { normalizeCode } from "../common/format";
import { useText } from "../common/i18n/text";
import { decodeSession } from "../common/protocol";
import { joinLinkSecret } from "../common/protocol-bodies";
import { isObject } from "../common/protocol-json";
import { TextField } from "../common/ui/TextField";
import { Page } from "./Layout";
import { clientInfo, rememberSession } from "./storage";
import { sayError } from "../common/i18n/problems";

/**
 * /join and /join/<code>: enter the nine-digit code a representative read out. A join
 * link (/join/<code>#link=<secret>) joins with its secret instead, which works even
 * while joining by code is throttled; the secret never leaves the page but to join.
 */
export function JoinPage({ code: initialCode, message }: { code: string; message?: string | null }) {
  const text = useText();
  const { t } = text;
  const [link] = useState(() => (typeof location === "undefined" ? null : joinLinkSecret(location.hash)));
  const [code, setCode] = useState(initialCode);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const digits = normalizeCode(code);
    if (link === null && digits === null) {
      setError(t("join.badCode"));
      return;
    }
    setBusy(true);
    setError(null);
    const how = link !== null ? { link } : { code: digits };
    try {
      const body = await api("POST", "/api/join", { ...how, name: name.trim(), client: clientInfo() });
      if (isObject(body)) rememberSession(decodeSession(body["session"]).id);
      location.assign("/chat");
    } catch (err) {
      setError(
        sayError(
          err,
          text,
          link !== null
            ? { not_found: "join.linkUnknown", expired: "join.linkUsed" }
            : { not_found: "join.codeUnknown", expired: "join.codeUsed" },
        ),
      );
      setBusy(false);
    }
  };

  return (
    <Page title={t("join.title")}>
      {message ? (
        <p class="notice notice--info" role="status">
          {message}
        </p>
      ) : null}
      <p class="lead">
        {link !== null ? t("join.leadLink") : t("join.lead")}
      </p>
      <form class="stack card" onSubmit={submit} aria-label={t("join.form")}>
        {link === null ? (
          <TextField
            id="join-code"
            label={t("join.code")}
            value={code}
            onValue={setCode}
            name="code"
            inputMode="numeric"
            autocomplete="off"
            placeholder="123 456 789"
            required
            maxLength={15}
          />
        ) : null}
        <TextField
          id="join-name"
          label={t("join.name")}
          value={name}
          onValue={setName}
          name="name"
          autocomplete="name"
          required
          maxLength={80}
        />
        {error !== null ? (
          <p class="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t("join.joining") : t("join.submit")}
        </button>
      </form>
    </Page>
  );
}
