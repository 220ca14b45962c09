import { useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import { FontSizeSelect } from "../common/ui/FontSize";
import { Dialog } from "../common/ui/Dialog";
import { TextField } from "../common/ui/TextField";
import { savePreferences } from "./session-actions";
import { me, preferences, showNotice } from "./state";

export function PreferencesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Chat Preferences" onClose={onClose} testId="preferences-dialog">
      <PreferencesForm onDone={onClose} />
    </Dialog>
  );
}

function PreferencesForm({ onDone }: { onDone: () => void }) {
  const start = preferences.value;
  const [warning, setWarning] = useState(String(start.idle_warning_seconds));
  const [alertAfter, setAlertAfter] = useState(String(start.idle_alert_seconds));
  const [chatSound, setChatSound] = useState(start.chat_sound);
  const [alertSound, setAlertSound] = useState(start.alert_sound);
  const [fontSize, setFontSize] = useState(start.font_size);
  const [requestAlert, setRequestAlert] = useState(String(start.request_alert_seconds));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const w = Number.parseInt(warning, 10);
    const a = Number.parseInt(alertAfter, 10);
    if (Number.isNaN(w) || w < 5 || w > 3600) {
      setError("The idle warning must be between 5 and 3600 seconds.");
      return;
    }
    if (Number.isNaN(a) || a <= w || a > 7200) {
      setError("The idle alert must be larger than the warning and at most 7200 seconds.");
      return;
    }
    const r = Number(requestAlert);
    if (!Number.isInteger(r) || r < 5 || r > 600) {
      setError("New-request alerts show for 5 to 600 seconds.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await savePreferences({
        request_alert_seconds: r,
        idle_warning_seconds: w,
        idle_alert_seconds: a,
        chat_sound: chatSound,
        alert_sound: alertSound,
        font_size: fontSize,
      });
      showNotice("Chat Preferences saved.");
      onDone();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={submit} aria-label="Chat Preferences">
      <fieldset>
        <legend>Idle icon on each tab</legend>
        <p class="muted">How long since you last wrote to the customer before the icon turns yellow, then red.</p>
        <TextField
          id="pref-idle-warning"
          label="Warning (yellow) after, in seconds"
          value={warning}
          onValue={setWarning}
          type="number"
          inputMode="numeric"
          min={5}
          max={3600}
          required
        />
        <TextField
          id="pref-idle-alert"
          label="Alert (red) after, in seconds"
          value={alertAfter}
          onValue={setAlertAfter}
          type="number"
          inputMode="numeric"
          min={6}
          max={7200}
          required
        />
      </fieldset>
      <fieldset>
        <legend>New requests</legend>
        <TextField
          id="pref-request-alert"
          label="Show new-request alerts for, in seconds"
          value={requestAlert}
          onValue={setRequestAlert}
          type="number"
          inputMode="numeric"
          min={5}
          max={600}
          step={1}
          required
        />
      </fieldset>
      <fieldset>
        <legend>Sounds</legend>
        <div class="check">
          <input
            id="pref-chat-sound"
            type="checkbox"
            checked={chatSound}
            onChange={(e) => setChatSound(e.currentTarget.checked)}
          />
          <label for="pref-chat-sound">Play a sound on each new chat message</label>
        </div>
        <div class="check">
          <input
            id="pref-alert-sound"
            type="checkbox"
            checked={alertSound}
            onChange={(e) => setAlertSound(e.currentTarget.checked)}
          />
          <label for="pref-alert-sound">Play a sound on each new request</label>
        </div>
      </fieldset>
      <div class="field">
        <FontSizeSelect id="pref-font-size" label="Default font size" value={fontSize} onChange={setFontSize} />
      </div>
      <TextField
        id="pref-max-chats"
        label="Maximum concurrent chats"
        value={String(me.value?.max_concurrent_sessions ?? "")}
        onValue={() => undefined}
        readOnly
        aria-readonly="true"
        inputClass="readonly"
        hint="Set by your administrator."
      />
      {error !== null ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="dialog__actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  );
}
