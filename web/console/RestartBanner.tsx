/**
 * While the customer's computer restarts (a reboot task), the chat box says so; when
 * the agent is back in the session it says "Reconnected" for a few seconds, or why the
 * restart failed until dismissed. Only for what happens while this tab is open: an old
 * restart in the history shows no banner.
 */

import { useEffect, useState } from "preact/hooks";
import { restartState } from "./computer-log";
import type { Tab } from "./state";

const RECONNECTED_SECONDS = 10;

export function RestartBanner({ tab }: { tab: Tab }) {
  const state = restartState(tab.events);
  const [hidden, setHidden] = useState<number | null>(null);
  const finalSeq = state.kind === "reconnected" || state.kind === "failed" ? state.seq : null;
  useEffect(() => {
    if (state.kind !== "reconnected") return;
    const timer = setTimeout(() => setHidden(state.seq), RECONNECTED_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [finalSeq]);

  if (state.kind === "none") return null;
  if (state.kind === "restarting") {
    if (tab.session.status === "ended") return null;
    return (
      <p class="notice notice--info restart-banner" role="status" data-testid="restart-banner" data-state="restarting">
        <span class="restart-banner__spinner" aria-hidden="true" /> The customer's computer is restarting…
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
  return (
    <p class="notice notice--error restart-banner" role="alert" data-testid="restart-banner" data-state="failed">
      {state.text || "The customer's computer could not restart."}{" "}
      <button type="button" class="link-button" onClick={() => setHidden(state.seq)}>
        Dismiss
      </button>
    </p>
  );
}
