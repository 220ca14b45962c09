/**
 * "Apply login credentials": the named actions that need administrator rights on the
 * customer's computer, run by their agent with the credentials the customer gave for
 * this session. The representative chooses one; the password never reaches the console.
 */

import { useState } from "preact/hooks";
import { Dialog } from "../common/ui/Dialog";
import { computerError, requestTask, SERVICE_NAME, TASK_LABELS, type TaskKind } from "./computer-actions";
import { showNotice } from "./state";

const CHOICES: TaskKind[] = ["reboot", "restart_service", "elevated_diagnostics", "unlock_screen"];

const HINTS: Record<TaskKind, string> = {
  reboot: "The computer restarts; the agent comes back to this session.",
  // Replaced by REBOOT_WITHOUT_SERVICE when no service will bring the agent back.
  restart_service: "systemctl restart of the unit you name.",
  elevated_diagnostics: "A new system information report, with the system journal and kernel messages.",
  unlock_screen: "Unlocks the customer's desktop session.",
};

const REBOOT_WITHOUT_SERVICE =
  "The computer restarts; the agent does not run as a service, so it will not come back to this session.";

export function ApplyCredentialsDialog({
  open,
  onClose,
  sessionId,
  initial,
  returns,
}: {
  open: boolean;
  onClose: () => void;
  sessionId: string;
  initial: TaskKind;
  /** Whether the agent runs as a service, and so comes back after a restart. */
  returns: boolean;
}) {
  return (
    <Dialog open={open} title="Apply login credentials" onClose={onClose} testId="apply-credentials">
      <ApplyBody sessionId={sessionId} onDone={onClose} initial={initial} returns={returns} />
    </Dialog>
  );
}

function ApplyBody({
  sessionId,
  onDone,
  initial,
  returns,
}: {
  sessionId: string;
  onDone: () => void;
  initial: TaskKind;
  returns: boolean;
}) {
  const [task, setTask] = useState<TaskKind>(initial);
  const [service, setService] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const serviceError =
    task === "restart_service" && error === null && service !== "" && !SERVICE_NAME.test(service.trim())
      ? "A system service name is letters, digits and @ . _ : - (for example nginx.service), starting with a letter or digit."
      : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const name = service.trim();
    if (task === "restart_service" && !SERVICE_NAME.test(name)) {
      setError(
        name === ""
          ? "Enter the name of the system service to restart."
          : "A system service name is letters, digits and @ . _ : - (for example nginx.service), starting with a letter or digit.",
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await requestTask(sessionId, task, task === "restart_service" ? name : undefined);
      showNotice(`Sent to the customer's computer: ${TASK_LABELS[task].toLowerCase()}${task === "restart_service" ? ` ${name}` : ""}.`);
      onDone();
    } catch (err) {
      setError(computerError(err, "task"));
    } finally {
      setBusy(false);
    }
  };

  const shownError = error ?? serviceError;
  return (
    <form class="stack" onSubmit={(e) => void submit(e)} noValidate>
      <fieldset class="choices">
        <legend>What should the customer's computer do?</legend>
        {CHOICES.map((choice) => (
          <div class="check" key={choice}>
            <input
              id={`apply-${choice}`}
              type="radio"
              name="apply-task"
              value={choice}
              checked={task === choice}
              onChange={() => {
                setTask(choice);
                setError(null);
              }}
            />
            <label for={`apply-${choice}`}>
              {TASK_LABELS[choice]}{" "}
              <span class="muted">— {choice === "reboot" && !returns ? REBOOT_WITHOUT_SERVICE : HINTS[choice]}</span>
            </label>
          </div>
        ))}
      </fieldset>
      {task === "restart_service" ? (
        <div class="field">
          <label for="apply-service">System service</label>
          <input
            id="apply-service"
            type="text"
            autoComplete="off"
            spellcheck={false}
            placeholder="nginx.service"
            value={service}
            maxLength={201}
            aria-invalid={shownError !== null ? true : undefined}
            aria-describedby={shownError !== null ? "apply-error" : undefined}
            onInput={(e) => {
              setService(e.currentTarget.value);
              setError(null);
            }}
          />
        </div>
      ) : null}
      {shownError !== null ? (
        <p id="apply-error" class="form-error" role="alert" data-testid="apply-error">
          {shownError}
        </p>
      ) : null}
      <p class="muted">The customer sees a note in the chat each time their credentials are used.</p>
      <div class="dialog__actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={busy}>
          Run
        </button>
      </div>
    </form>
  );
}
