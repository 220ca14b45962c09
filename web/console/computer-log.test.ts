import { describe, expect, it } from "vitest";
import { decodeEvent, type SessionEvent } from "../common/protocol";
import { readComputerLog, restartState } from "./computer-log";

let seq = 0;
function ev(kind: string, body: Record<string, unknown>): SessionEvent {
  seq += 1;
  const e = decodeEvent({ seq, at: "2026-12-04T10:00:00Z", kind, author: { kind: "system" }, body: { text: "", ...body } });
  if (e === null) throw new Error("bad event");
  return e;
}
const asked = (request: string, consent: string) => ev("consent_requested", { request_id: request, consent });
const answered = (request: string, consent: string, answer: "allowed" | "declined") =>
  ev("consent_answered", { request_id: request, consent, answer });
const status = (action: string, body: Record<string, unknown> = {}) => ev("status", { action, ...body });

describe("the customer's computer, read from the log", () => {
  it("has no grant, request or report in an empty log", () => {
    const log = readComputerLog([], false);
    expect(log.grants).toEqual({ credentials: null, service: null });
    expect(log.pending.size).toBe(0);
    expect(log.reports).toEqual([]);
  });

  it("counts a request as pending until the customer answers it", () => {
    const events = [asked("r1", "credentials"), asked("r2", "diagnostics"), asked("r3", "screen")];
    expect([...readComputerLog(events, false).pending].sort()).toEqual(["credentials", "diagnostics"]);
    events.push(answered("r1", "credentials", "declined"));
    expect([...readComputerLog(events, false).pending]).toEqual(["diagnostics"]);
  });

  it("grants credentials once allowed, and takes the grant back when the customer revokes it", () => {
    const events = [asked("r1", "credentials"), answered("r1", "credentials", "allowed")];
    expect(readComputerLog(events, false).grants.credentials).toBe("r1");
    events.push(status("consent_revoked", { request_id: "r1", consent: "credentials" }));
    expect(readComputerLog(events, false).grants.credentials).toBeNull();
    events.push(asked("r2", "credentials"), answered("r2", "credentials", "allowed"));
    expect(readComputerLog(events, false).grants.credentials).toBe("r2");
  });

  it("never grants on a decline, nor for other kinds", () => {
    const events = [
      asked("r1", "service"),
      answered("r1", "service", "declined"),
      asked("r2", "screen"),
      answered("r2", "screen", "allowed"),
    ];
    expect(readComputerLog(events, false).grants).toEqual({ credentials: null, service: null });
  });

  it("voids every grant and request when the session has ended", () => {
    const events = [asked("r1", "service"), answered("r1", "service", "allowed"), asked("r2", "diagnostics")];
    expect(readComputerLog(events, false).grants.service).toBe("r1");
    const ended = readComputerLog(events, true);
    expect(ended.grants.service).toBeNull();
    expect(ended.pending.size).toBe(0);
  });

  it("lists the reports announced in the log, elevated ones included", () => {
    const events = [
      status("diagnostics_sent", { request_id: "r1", diagnostics_id: 4 }),
      status("task_done", { task_id: "t1", task: "elevated_diagnostics", diagnostics_id: 9 }),
    ];
    expect(readComputerLog(events, false).reports).toEqual([4, 9]);
  });

  it("knows a task is unfinished until it is done or failed", () => {
    const events = [status("task_requested", { task_id: "t1", task: "reboot" })];
    expect(readComputerLog(events, false).unfinishedTask).toBe("t1");
    events.push(status("task_failed", { task_id: "t1", task: "reboot" }));
    expect(readComputerLog(events, false).unfinishedTask).toBeNull();
  });
});

describe("the restart banner's state", () => {
  it("is restarting from task_restarting until that task is done, then reconnected", () => {
    const events = [status("task_requested", { task_id: "t1", task: "reboot" })];
    expect(restartState(events)).toEqual({ kind: "none" });
    events.push(status("task_restarting", { task_id: "t1", task: "reboot" }));
    expect(restartState(events)).toEqual({ kind: "restarting", task: "t1" });
    events.push(status("task_done", { task_id: "t2", task: "unlock_screen" }));
    expect(restartState(events).kind).toBe("restarting");
    const done = status("task_done", { task_id: "t1", task: "reboot" });
    events.push(done);
    expect(restartState(events)).toEqual({ kind: "reconnected", task: "t1", seq: done.seq });
  });

  it("says why a restart failed", () => {
    const events = [
      status("task_restarting", { task_id: "t1", task: "reboot" }),
      status("task_failed", { task_id: "t1", task: "reboot", text: "Could not restart the computer: no." }),
    ];
    expect(restartState(events)).toMatchObject({ kind: "failed", text: "Could not restart the computer: no." });
  });

  it("says so when the agent will not come back from a restart", () => {
    const events = [status("task_requested", { task_id: "t1", task: "reboot" })];
    const left = status("task_done", {
      task_id: "t1",
      task: "reboot",
      reconnects: false,
      text: "The customer's computer is restarting. The agent does not run as a service there.",
    });
    events.push(left);
    expect(restartState(events)).toEqual({
      kind: "left",
      task: "t1",
      seq: left.seq,
      text: "The customer's computer is restarting. The agent does not run as a service there.",
    });
  });

  it("fails a restart a representative stopped waiting for", () => {
    const events = [
      status("task_restarting", { task_id: "t1", task: "reboot" }),
      status("task_failed", {
        task_id: "t1",
        task: "reboot",
        reason: "stopped_waiting",
        text: "Bob stopped waiting for the customer's computer to restart the computer.",
      }),
    ];
    expect(restartState(events)).toMatchObject({ kind: "failed", text: expect.stringContaining("stopped waiting") });
    expect(readComputerLog(events, false).unfinishedTask).toBeNull();
  });
});
