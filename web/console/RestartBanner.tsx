/**
 * While the customer's computer restarts (a reboot task), the chat box says so, with
 * "Stop waiting" for a computer that never comes back; when the agent is back in the
 * session it says "Reconnected" for a few seconds, or why the restart failed until
 * dismissed. A restart whose agent will not come back (it runs no service) says so
 * until dismissed. Only for what happens while this tab is open: an old restart in the
 * history shows no banner.
 */

import { useEffect, useState } from "preact/hooks";
import { computerError, stopWaiting } from "./computer-actions";
import { restartState } from "./computer-log";
import { showNotice, type Tab } from "./state";

const RECONNECTED_SECONDS = 10;

export function RestartBanner({ tab }: { tab: Tab }) {
  const state = restartState(tab.events);
  const [hidden, setHidden] = useState<number | null>(null);
  const [stopping, setStopping] = useState(false);
  const finalSeq = state.kind === "none" || state.kind === "restarting" ? null : state.seq;
  useEffect(() => {
    if (state.kind !== "reconnected") return;
    const timer = setTimeout(() => setHidden(state.seq), RECONNECTED_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [finalSeq]);

  if (state.kind === "none") return null;
  if (state.kind === "restarting") {
    if (tab.session.status === "ended") return null;
    const stop = () => {
      setStopping(true);
      stopWaiting(state.task)
        .catch((error: unknown) => showNotice(computerError(error, "task"), "error"))
        .finally(() => setStopping(false));
    };
    return (
      <p class="notice notice--info restart-banner" role="status" data-testid="restart-banner" data-state="restarting">
        <span class="restart-banner__spinner" aria-hidden="true" /> The customer's computer is restarting…{" "}
        <button type="button" class="link-button" disabled={stopping} onClick={stop}>
          Stop waiting
        </button>
      </p>
    );
  }
  if (state.seq <= (tab.historyUpTo ?? 0) || hidden === state.seq) return null;
  if (state.kind === "reconnected") {
    return (
      <p class="notice notice--info restart-banner" role="status" data-testid="restart-banner" data-state="reconnected">
        Reconnected: the customer's computer restarted and is back in this session.
      </p>
    );
  }
  const dismiss = (
    <button type="button" class="link-button" onClick={() => setHidden(state.seq)}>
      Dismiss
    </button>
  );
  if (state.kind === "left") {
    return (
      <p class="notice notice--info restart-banner" role="status" data-testid="restart-banner" data-state="left">
        {state.text} {dismiss}
      </p>
    );
  }
  return (
    <p class="notice notice--error restart-banner" role="alert" data-testid="restart-banner" data-state="failed">
      {state.text || "The customer's computer could not restart."} {dismiss}
    </p>
  );
}
