import { idleLabel, idleLevel, idleSeconds, idleSince, type IdleLevel } from "../common/idle";
import { activeId, me, now, preferences, type Tab, tabs } from "./state";
import { cycleTab, selectTab } from "./tabs";

const GLYPH: Record<IdleLevel, string> = { green: "●", yellow: "▲", red: "■" };

export function tabDomId(id: string): string {
  return `tab-${id}`;
}

export const PANEL_ID = "session-panel";

/** One tab per session, below the toolbar. Arrow keys, Home and End move between tabs. */
export function SessionTabs() {
  const list = tabs.value;
  if (list.length === 0) return <div class="tabs tabs--empty" />;
  return (
    <div
      class="tabs"
      role="tablist"
      aria-label="Sessions"
      onKeyDown={(e) => {
        let handled = true;
        if (e.key === "ArrowRight") cycleTab(1);
        else if (e.key === "ArrowLeft") cycleTab(-1);
        else if (e.key === "Home" && list[0] !== undefined) selectTab(list[0].id);
        else if (e.key === "End" && list[list.length - 1] !== undefined) selectTab(list[list.length - 1]?.id ?? "");
        else handled = false;
        if (handled) {
          e.preventDefault();
          focusActiveTab();
        }
      }}
    >
      {list.map((tab, i) => (
        <SessionTab key={tab.id} tab={tab} index={i} selected={tab.id === activeId.value} />
      ))}
    </div>
  );
}

export function focusActiveTab(): void {
  requestAnimationFrame(() => {
    const id = activeId.value;
    if (id !== null) document.getElementById(tabDomId(id))?.focus();
  });
}

function SessionTab({ tab, index, selected }: { tab: Tab; index: number; selected: boolean }) {
  const domId = tabDomId(tab.id);
  const ended = tab.session.status === "ended";
  const name = tab.session.customer.name || "Customer";
  return (
    <button
      type="button"
      role="tab"
      id={domId}
      class={`tab${selected ? " tab--selected" : ""}${ended ? " tab--ended" : ""}`}
      aria-selected={selected ? "true" : "false"}
      aria-controls={PANEL_ID}
      aria-labelledby={`${domId}-name${tab.unread > 0 ? ` ${domId}-unread` : ""}${ended ? ` ${domId}-ended` : ""}`}
      aria-describedby={ended ? undefined : `${domId}-idle`}
      tabIndex={selected ? 0 : -1}
      data-session={tab.id}
      title={index < 9 ? `Alt+${index + 1}` : undefined}
      onClick={() => selectTab(tab.id)}
    >
      {ended ? (
        <span class="idle idle--ended" aria-hidden="true">
          ○
        </span>
      ) : (
        <IdleIcon tab={tab} domId={`${domId}-idle`} />
      )}
      <span id={`${domId}-name`} class="tab__name">
        {name} <span class="tab__id">{tab.id}</span>
      </span>
      {ended ? (
        <span id={`${domId}-ended`} class="tab__ended">
          (ended)
        </span>
      ) : null}
      {tab.unread > 0 ? (
        <span id={`${domId}-unread`} class="badge badge--unread" data-testid="unread-count">
          {tab.unread} unread
        </span>
      ) : null}
    </button>
  );
}

function IdleIcon({ tab, domId }: { tab: Tab; domId: string }) {
  const who = me.value;
  const prefs = preferences.value;
  const since = idleSince(tab.events, tab.session.attendees, who ?? { id: -1, name: "" }, tab.localLastSent, tab.openedAt);
  const seconds = idleSeconds(now.value, since);
  const level = idleLevel(seconds, prefs.idle_warning_seconds, prefs.idle_alert_seconds);
  const label = idleLabel(seconds);
  return (
    <span
      id={domId}
      class={`idle idle--${level}`}
      role="img"
      aria-label={label}
      title={label}
      data-idle={level}
      data-seconds={seconds}
      data-testid="idle-icon"
    >
      {GLYPH[level]}
    </span>
  );
}
