import { useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import { TextField } from "../common/ui/TextField";
import { login } from "./lifecycle";
import { loginMessage } from "./state";

export function Login() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <div class="login__card">
        <h1 class="login__title">
          <span class="brand-mark" aria-hidden="true">
            ☎
          </span>{" "}
          Helpline console
        </h1>
        {loginMessage.value !== null && error === null ? (
          <p class="notice notice--info" role="status">
            {loginMessage.value}
          </p>
        ) : null}
        <form aria-label="Log in" onSubmit={submit} class="stack">
          <TextField
            id="login-username"
            label="Username"
            value={username}
            onValue={setUsername}
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
          />
          <TextField
            id="login-password"
            label="Password"
            value={password}
            onValue={setPassword}
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          {error !== null ? (
            <p class="form-error" role="alert" data-testid="login-error">
              {error}
            </p>
          ) : null}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Logging in…" : "Log in"}
          </button>
        </form>
      </div>
    </main>
  );
}
