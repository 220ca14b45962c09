import { useEffect } from "preact/hooks";
import { errorMessage } from "../common/api";
import { ChatBox } from "./ChatBox";
import { HistoryPage } from "./History";
import { InvitationAlerts } from "./Invitations";
import { LibraryPage } from "./Library";
import { Login } from "./Login";
import { RIGHT_NAV_ID, RightNav } from "./RightNav";
import { PANEL_ID, SessionTabs, focusActiveTab, tabDomId } from "./SessionTabs";
import { Sidebar } from "./Sidebar";
import { dismissAlert } from "./alerts";
import { savePreferences } from "./session-actions";
import {
  activeTab,
  alerts,
  authChecked,
  connection,
  me,
  notice,
  preferences,
  showNotice,
  tabs,
  view,
  watchView,
} from "./state";
import { cycleTab, selectTabNumber } from "./tabs";
import { Toolbar } from "./Toolbar";
import { WebhooksPage } from "./Webhooks";

export function App() {
  if (!authChecked.value) {
    return (
      <main class="loading" id="main">
        <p role="status">Loading…</p>
      </main>
    );
  }
  if (me.value === null) return <Login />;
  return <Console />;
}

function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && !e.altKey && !e.metaKey && e.key === "Tab") {
        e.preventDefault();
        cycleTab(e.shiftKey ? -1 : 1);
        focusActiveTab();
        return;
      }
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        const match = /^Digit([1-9])$/.exec(e.code) ?? /^([1-9])$/.exec(e.key);
        const digit = match?.[1];
        if (digit !== undefined) {
          e.preventDefault();
          selectTabNumber(Number.parseInt(digit, 10));
          focusActiveTab();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

function Console() {
  useShortcuts();
  useEffect(() => watchView(), []);
  const page = view.value;
  const tab = activeTab.value;
  const navOpen = preferences.value.right_nav_open;
  const state = connection.value;
  const banners = (
    <>
      {state.phase === "reconnecting" ? (
        <p class="banner banner--warning" role="status" data-testid="connection-banner">
          Connection lost. Reconnecting…
        </p>
      ) : state.phase === "connecting" ? (
        <p class="banner banner--info" role="status" data-testid="connection-banner">
          Connecting…
        </p>
      ) : null}
      <InvitationAlerts />
      <Alerts />
      {notice.value !== null ? (
        <p class={`banner banner--${notice.value.tone === "error" ? "error" : "info"}`} role="status" data-testid="notice">
          {notice.value.text}{" "}
          <button type="button" class="link-button" onClick={() => (notice.value = null)}>
            Dismiss
          </button>
        </p>
      ) : null}
    </>
  );
  if (page !== "chats") {
    return (
      <div class="console console--page">
        <a class="skip-link" href="#main">
          Skip to the page
        </a>
        <Toolbar />
        {banners}
        <main id="main" class="console__page" tabIndex={-1}>
          {page === "library" ? <LibraryPage /> : page === "history" ? <HistoryPage /> : <WebhooksPage />}
        </main>
      </div>
    );
  }
  return (
    <div class={`console${navOpen ? " console--nav-open" : ""}`}>
      <a class="skip-link" href="#main">
        Skip to the chat
      </a>
      <Toolbar />
      <div class="tabbar">
        <SessionTabs />
        <button
          type="button"
          class="icon-button tabbar__nav-toggle"
          aria-label="Session panel"
          aria-expanded={navOpen ? "true" : "false"}
          aria-controls={RIGHT_NAV_ID}
          title={navOpen ? "Hide the session panel" : "Show the session panel"}
          onClick={() =>
            void savePreferences({ right_nav_open: !navOpen }).catch((error: unknown) =>
              showNotice(errorMessage(error), "error"),
            )
          }
        >
          <span aria-hidden="true">{navOpen ? "▶" : "◀"}</span>
        </button>
      </div>
      {banners}
      <div class="console__body">
        <Sidebar />
        <main id="main" class="console__main" tabIndex={-1} aria-label="Chat">
          {tab !== null ? (
            <div class="tabpanel" role="tabpanel" id={PANEL_ID} aria-labelledby={`${tabDomId(tab.id)}-name`}>
              <ChatBox key={tab.id} tab={tab} />
            </div>
          ) : (
            <div class="empty-state">
              <h2>No session open</h2>
              <p>
                {tabs.value.length === 0
                  ? "Pick up a waiting session, or give a customer a session code."
                  : "Choose a tab."}
              </p>
            </div>
          )}
        </main>
        <RightNav tab={tab} open={navOpen} />
      </div>
    </div>
  );
}

function Alerts() {
  const list = alerts.value;
  return (
    <div class="alerts" role="alert" aria-live="assertive">
      {list.map((a) => (
        <p key={a.id} class="banner banner--alert" data-testid="request-alert" data-session={a.sessionId}>
          {a.text}{" "}
          <button type="button" class="link-button" onClick={() => dismissAlert(a.id)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
