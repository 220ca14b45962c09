/**
 * What the session log says about the customer's computer: which permissions
 * (grants) are in force, which requests still wait for an answer, which system
 * information reports exist, and where the last restart stands. Pure: the menu, the
 * Diagnostics window and the restart banner all read the log through these, so they
 * agree with each other and with the server's rules (docs/protocol.md).
 */

import type { SessionEvent } from "../common/protocol";

export type AskKind = "diagnostics" | "credentials" | "service";
export type GrantKind = "credentials" | "service";

export interface ComputerLog {
  /** The request id of each grant in force (allowed, not revoked, session open). */
  grants: Record<GrantKind, string | null>;
  /** Kinds with a request the customer has not answered yet. */
  pending: Set<AskKind>;
  /** Reports the log announced (diagnostics_sent, elevated diagnostics done), oldest first. */
  reports: number[];
  /** The last task asked for that is not over yet, if any. */
  unfinishedTask: string | null;
}

const text = (v: SessionEvent["body"][string] | undefined): string | null =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : null;

function isAsk(kind: string | null): kind is AskKind {
  return kind === "diagnostics" || kind === "credentials" || kind === "service";
}

export function readComputerLog(events: readonly SessionEvent[], ended: boolean): ComputerLog {
  const allowed = new Map<string, GrantKind>();
  const pendingById = new Map<string, AskKind>();
  const reports: number[] = [];
  const open = new Set<string>();
  let unfinished: string | null = null;
  for (const e of events) {
    const request = text(e.body["request_id"]);
    const consent = text(e.body["consent"]);
    if (e.kind === "consent_requested" && request !== null && isAsk(consent)) {
      pendingById.set(request, consent);
    } else if (e.kind === "consent_answered" && request !== null) {
      pendingById.delete(request);
      if (e.body["answer"] === "allowed" && (consent === "credentials" || consent === "service")) {
        allowed.set(request, consent);
      }
    } else if (e.kind === "status") {
      const task = text(e.body["task_id"]);
      const report = e.body["diagnostics_id"];
      switch (e.body.action) {
        case "consent_revoked":
          if (request !== null) allowed.delete(request);
          break;
        case "task_requested":
          if (task !== null) open.add(task);
          unfinished = task;
          break;
        case "task_done":
        case "task_failed":
          if (task !== null) open.delete(task);
          if (unfinished === task) unfinished = null;
          break;
      }
      if (typeof report === "number" && !reports.includes(report)) reports.push(report);
    }
  }
  const grants: Record<GrantKind, string | null> = { credentials: null, service: null };
  if (!ended) {
    for (const [request, kind] of allowed) grants[kind] = request;
  }
  return {
    grants,
    pending: ended ? new Set() : new Set(pendingById.values()),
    reports,
    unfinishedTask: ended || unfinished === null || !open.has(unfinished) ? null : unfinished,
  };
}

/** Where the last restart of the customer's computer stands. */
export type RestartState =
  | { kind: "none" }
  | { kind: "restarting"; task: string }
  | { kind: "reconnected"; task: string; seq: number }
  /** Restarting, and the agent will not come back by itself (it runs no service). */
  | { kind: "left"; task: string; seq: number; text: string }
  | { kind: "failed"; task: string; seq: number; text: string };

/** The last task that began restarting, and what came of it. */
export function restartState(events: readonly SessionEvent[]): RestartState {
  let state: RestartState = { kind: "none" };
  for (const e of events) {
    if (e.kind !== "status") continue;
    const task = text(e.body["task_id"]);
    if (task === null) continue;
    if (e.body.action === "task_restarting") {
      state = { kind: "restarting", task };
    } else if (e.body.action === "task_done" && e.body["reconnects"] === false) {
      state = { kind: "left", task, seq: e.seq, text: e.body.text };
    } else if (state.kind === "restarting" && state.task === task) {
      if (e.body.action === "task_done") state = { kind: "reconnected", task, seq: e.seq };
      else if (e.body.action === "task_failed") state = { kind: "failed", task, seq: e.seq, text: e.body.text };
    }
  }
  return state;
}
