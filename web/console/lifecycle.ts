/**
 * The console's life: checking the login on page load, logging in and out, and the
 * socket made for each login (its handlers are frames.ts). Split from the store so the
 * one place that creates and ends the Connection is small and plain.
 */

import { batch, effect } from "@preact/signals";
import { api, ApiError, errorMessage } from "../common/api";
import { Connection } from "../common/connection";
import type { ConnectionState } from "../common/connection-types";
import { decodeMe } from "../common/protocol";
import { isObject } from "../common/protocol-json";
import { unlockSoundOnFirstGesture } from "../common/sound";
import { tick, updateTitle } from "./alerts";
import { drawFavicon } from "./background-edge";
import { waitingCount } from "./background-notes";
import { onBinary, onEvent, onFrame } from "./frames";
import { selectTab } from "./tabs";
import {
  activeId,
  alerts,
  authChecked,
  codes,
  connection,
  currentSocket,
  invitations,
  loginMessage,
  me,
  outboxVersion,
  queue,
  screenFeed,
  setSocket,
  tabs,
} from "./state";

let ticker: ReturnType<typeof setInterval> | null = null;

function onState(state: ConnectionState): void {
  connection.value = state;
  if (state.phase === "closed" && (state.reason === "logged_out" || state.reason === "expired")) {
    resetToLogin(
      state.reason === "logged_out" ? "You have been logged out." : "Your login has expired. Please log in again.",
    );
  }
}

function connect(): void {
  currentSocket()?.stop();
  const socket = new Connection({
    path: "/ws/console",
    storageKey: `helpline.console.outbox.${me.value?.id ?? 0}`,
    handlers: {
      frame: onFrame,
      event: onEvent,
      binary: onBinary,
      state: onState,
      outbox: () => {
        outboxVersion.value += 1;
      },
    },
    probe: async () => {
      try {
        await api("GET", "/api/me");
        return "retry";
      } catch (error) {
        return error instanceof ApiError && error.status === 401 ? "auth" : "retry";
      }
    },
  });
  setSocket(socket);
  connection.value = { phase: "connecting" };
  socket.start();
  outboxVersion.value += 1;
}

function resetToLogin(message: string | null): void {
  currentSocket()?.stop();
  setSocket(null);
  screenFeed.clearAll();
  batch(() => {
    me.value = null;
    queue.value = [];
    tabs.value = [];
    activeId.value = null;
    alerts.value = [];
    invitations.value = [];
    codes.value = [];
    loginMessage.value = message;
  });
  updateTitle();
}

/** The favicon counts what waits; coming back to the console reads the selected tab. */
function watchBackground(): void {
  unlockSoundOnFirstGesture();
  effect(() => {
    const unread = tabs.value.reduce((sum, t) => sum + t.unread, 0);
    drawFavicon(waitingCount(alerts.value.length, invitations.value.length, unread));
  });
  document.addEventListener("visibilitychange", () => {
    const id = activeId.value;
    if (document.visibilityState === "visible" && id !== null) selectTab(id);
  });
}

/** On page load: am I logged in? */
export async function boot(): Promise<void> {
  if (ticker === null) ticker = setInterval(tick, 1000);
  watchBackground();
  window.addEventListener("online", () => currentSocket()?.retryNow());
  try {
    const body = await api("GET", "/api/me");
    if (isObject(body)) {
      me.value = decodeMe(body["me"]);
      connect();
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      loginMessage.value = errorMessage(error);
    }
  } finally {
    authChecked.value = true;
  }
}

export async function login(username: string, password: string): Promise<void> {
  const body = await api("POST", "/api/auth/login", { username, password });
  if (!isObject(body)) throw new Error("The server sent an unexpected answer.");
  batch(() => {
    loginMessage.value = null;
    me.value = decodeMe(body["me"]);
  });
  connect();
}

export async function logout(): Promise<void> {
  try {
    await api("POST", "/api/auth/logout");
  } finally {
    resetToLogin("You have logged out.");
  }
}
