/**
 * The representative's requests to the customer's computer over HTTP (docs/protocol.md,
 * "The customer's computer"): ask for a permission or a report, start a task, read the
 * reports. And the server's refusals in plain English, said the way the console says
 * them wherever these are used.
 */

import { api, ApiError, errorMessage, seg } from "../common/api";
import { decodeReport, decodeReportSummary, type Report, type ReportSummary } from "../common/diagnostics";
import { isObject, optStr, str } from "../common/protocol-json";
import type { AskKind } from "./computer-log";

export type TaskKind = "reboot" | "restart_service" | "elevated_diagnostics" | "unlock_screen";

/** The server's own rule for a systemd unit name (checked here first, to say it at once). */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9@._:-]{0,200}$/;

export const TASK_LABELS: Record<TaskKind, string> = {
  reboot: "Reboot and reconnect",
  restart_service: "Restart a system service",
  elevated_diagnostics: "Collect system information with administrator rights",
  unlock_screen: "Unlock the screen",
};

export const NEEDS_AGENT = "Needs the Helpline agent on the customer's computer";

/** A refusal as the representative reads it; other errors keep the server's message. */
export function computerError(error: unknown, what: "ask" | "task"): string {
  if (error instanceof ApiError && error.status === 409) {
    switch (error.code) {
      case "needs_agent":
        return `${NEEDS_AGENT}: send the agent to the customer first.`;
      case "needs_grant":
        return "The customer has not given their login credentials for this session (or has revoked them). Request them first.";
      case "conflict":
        return what === "task"
          ? "The customer's computer is still busy with the last task. Wait until it is done."
          : "The customer has not answered the last request of this kind yet, or has already allowed it.";
      case "session_ended":
        return "The session has ended.";
    }
  }
  if (error instanceof ApiError && error.status === 422) {
    return `The server refused it: ${error.message}`;
  }
  return errorMessage(error);
}

/** Ask the customer's agent for a permission or a report; resolves with the request id. */
export async function askComputer(sessionId: string, consent: AskKind): Promise<string> {
  const body = await api("POST", `/api/sessions/${seg(sessionId)}/consents`, { consent });
  return isObject(body) ? str(body, "request") : "";
}

/** Start a task on the customer's computer; resolves with the task id. */
export async function requestTask(sessionId: string, task: TaskKind, service?: string): Promise<string> {
  const body = await api(
    "POST",
    `/api/sessions/${seg(sessionId)}/tasks`,
    task === "restart_service" ? { task, service } : { task },
  );
  return isObject(body) ? (optStr(body, "task") ?? "") : "";
}

/** Stop waiting for a task the agent never finished (a computer that did not come back). */
export async function stopWaiting(taskId: string): Promise<void> {
  await api("POST", `/api/tasks/${seg(taskId)}/cancel`);
}

export async function loadReports(sessionId: string): Promise<ReportSummary[]> {
  const body = await api("GET", `/api/sessions/${seg(sessionId)}/diagnostics`);
  const list = isObject(body) ? body["diagnostics"] : null;
  return Array.isArray(list) ? list.map(decodeReportSummary) : [];
}

export interface StoredReport extends ReportSummary {
  report: Report;
}

export async function loadReport(id: number): Promise<StoredReport> {
  const body = await api("GET", `/api/diagnostics/${id}`);
  const o = isObject(body) ? body : {};
  return { ...decodeReportSummary(o), report: decodeReport(o["report"]) };
}
