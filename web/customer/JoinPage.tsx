import { useState } from "preact/hooks";
import { api, errorMessage } from "../common/api";
import { normalizeCode } from "../common/format";
import { decodeSession } from "../common/protocol";
import { joinLinkSecret } from "../common/protocol-bodies";
import { isObject } from "../common/protocol-json";
import { TextField } from "../common/ui/TextField";
import { Page } from "./Layout";
import { clientInfo, rememberSession } from "./storage";

/**
 * /join and /join/<code>: enter the nine-digit code a representative read out. A join
 * link (/join/<code>#link=<secret>) joins with its secret instead, which works even
 * while joining by code is throttled; the secret never leaves the page but to join.
 */
export function JoinPage({ code: initialCode, message }: { code: string; message?: string | null }) {
  const [link] = useState(() => (typeof location === "undefined" ? null : joinLinkSecret(location.hash)));
  const [code, setCode] = useState(initialCode);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const digits = normalizeCode(code);
    if (link === null && digits === null) {
      setError("A session code has nine digits.");
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
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Page title="Join a support session">
      {message ? (
        <p class="notice notice--info" role="status">
          {message}
        </p>
      ) : null}
      <p class="lead">
        {link !== null
          ? "Your representative sent you this link. Enter your name to join."
          : "Enter the session code your representative gave you."}
      </p>
      <form class="stack card" onSubmit={submit} aria-label="Join a session">
        {link === null ? (
          <TextField
            id="join-code"
            label="Session code"
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
          label="Your name"
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
          {busy ? "Joining…" : "Join session"}
        </button>
      </form>
    </Page>
  );
}
