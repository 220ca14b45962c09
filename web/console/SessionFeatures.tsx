/**
 * The chat box's actions: quick buttons for the common ones (invite, transfer, the
 * screen, leave, close) and the "Session features" menu with every feature of the
 * session, grouped: Chat, Files and screen, Customer's computer, Session. What cannot
 * be used now stays listed, disabled, with the reason; for a customer in the browser
 * the agent's features say they need the agent, and the agent can be sent from there.
 * Whether a feature is allowed comes from the session log (computer-log.ts).
 */

import { useRef, useState } from "preact/hooks";
import { errorMessage } from "../common/api";
import type { ScriptKind } from "../common/protocol-bodies";
import { screenStatus } from "../common/screen-status";
import { sendFiles } from "../common/ui/Files";
import { ConfirmDialog } from "../common/ui/Dialog";
import { ApplyCredentialsDialog } from "./ApplyCredentials";
import { askComputer, computerError, NEEDS_AGENT, requestTask, stopWaiting, type TaskKind } from "./computer-actions";
import { type AskKind, readComputerLog } from "./computer-log";
import { openDiagnostics } from "./DiagnosticsWindow";
import { type MenuGroup, type MenuItem, MenuButton } from "./MenuButton";
import { SEND_AGENT_TITLE, SendAgentDialog } from "./SendAgent";
import { CloseSessionDialog, InviteDialog, LeaveDialog } from "./SessionDialogs";
import { askToSeeScreen, openViewer } from "./session-actions";
import { me, showNotice, type Tab } from "./state";

type ActionDialog = null | "invite" | "transfer" | "leave" | "close" | "agent" | "apply" | "reboot";

/** What the chat box does for the Chat group: its pickers and fields live there. */
export interface ChatHooks {
  pickScript: (kind: ScriptKind) => void;
  writePrivately: () => void;
  focusPushUrl: () => void;
}

/** "Apply login credentials ▸": each opens the dialog with its action chosen. */
const APPLY: [TaskKind, string][] = [
  ["reboot", "Restart the computer…"],
  ["restart_service", "Restart a system service…"],
  ["elevated_diagnostics", "System information as administrator…"],
  ["unlock_screen", "Unlock the screen…"],
];

const ASKED: Record<AskKind, string> = {
  diagnostics: "for system information",
  credentials: "for their login credentials",
  service: "to let the agent run as a service",
};

export function SessionActions({ tab, chat }: { tab: Tab; chat: ChatHooks }) {
  const [open, setOpen] = useState<ActionDialog>(null);
  const [applyFirst, setApplyFirst] = useState<TaskKind>("restart_service");
  const [rebootError, setRebootError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const who = me.value;
  const session = tab.session;
  const live = session.status !== "ended";
  const mine = session.attendees.find((a) => a.id !== null && a.id === who?.id && a.present);
  const name = session.customer.name || "the customer";
  const close = () => setOpen(null);

  const ask = (kind: AskKind) =>
    void askComputer(tab.id, kind).then(
      () => showNotice(`Asked ${name} ${ASKED[kind]}.`),
      (error: unknown) => showNotice(computerError(error, "ask"), "error"),
    );
  const askScreen = () =>
    void askToSeeScreen(tab.id).then(
      () => showNotice(`Asked ${name} to share the screen.`),
      (error: unknown) => showNotice(errorMessage(error), "error"),
    );
  const stop = (task: string) =>
    void stopWaiting(task).then(
      () => showNotice("Stopped waiting for the last task."),
      (error: unknown) => showNotice(computerError(error, "task"), "error"),
    );
  const reboot = async () => {
    setRebootError(null);
    try {
      await requestTask(tab.id, "reboot");
      close();
    } catch (error) {
      setRebootError(computerError(error, "task"));
    }
  };

  const groups = featureGroups(tab, {
    ...chat,
    sendFile: () => fileInput.current?.click(),
    askScreen,
    ask,
    stop,
    openDialog: (dialog, first) => {
      if (first !== undefined) setApplyFirst(first);
      setRebootError(null);
      setOpen(dialog);
    },
    isPrimary: mine?.role === "primary",
  });

  return (
    <div class="chatbox__actions" role="group" aria-label="Session actions">
      <MenuButton id={`features-${tab.id}`} label="Session features" groups={groups} />
      <button type="button" disabled={!live} aria-haspopup="dialog" onClick={() => setOpen("invite")}>
        Invite
      </button>
      {mine?.role === "primary" ? (
        <button type="button" disabled={!live} aria-haspopup="dialog" onClick={() => setOpen("transfer")}>
          Transfer
        </button>
      ) : null}
      <button type="button" disabled={!live} onClick={askScreen}>
        Ask to see the screen
      </button>
      <button type="button" disabled={!live} aria-haspopup="dialog" onClick={() => setOpen("leave")}>
        Leave session
      </button>
      <button type="button" class="danger" disabled={!live} aria-haspopup="dialog" onClick={() => setOpen("close")}>
        Close session
      </button>
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-label="Choose files to send to the customer"
        onChange={(e) => {
          const list = e.currentTarget.files;
          if (list !== null && list.length > 0) sendFiles(tab.id, Array.from(list), "customer");
          e.currentTarget.value = "";
        }}
      />
      <InviteDialog open={open === "invite"} kind="invite" tab={tab} onClose={close} />
      <InviteDialog open={open === "transfer"} kind="transfer" tab={tab} onClose={close} />
      <LeaveDialog open={open === "leave"} tab={tab} onClose={close} />
      <CloseSessionDialog open={open === "close"} tab={tab} onClose={close} />
      <SendAgentDialog open={open === "agent"} onClose={close} sessionId={tab.id} customerName={name} />
      <ApplyCredentialsDialog
        open={open === "apply"}
        onClose={close}
        sessionId={tab.id}
        initial={applyFirst}
        returns={readComputerLog(tab.events, !live).grants.service !== null}
      />
      <ConfirmDialog
        open={open === "reboot"}
        title="Reboot and reconnect"
        message={`Restart ${name}'s computer now? ${rebootOutcome(readComputerLog(tab.events, !live).grants.service !== null)}`}
        confirmLabel="Restart the computer"
        error={rebootError}
        onConfirm={() => void reboot()}
        onCancel={close}
      />
    </div>
  );
}

/** What follows a restart, said before the representative asks for one. */
export function rebootOutcome(service: boolean): string {
  return service
    ? "The agent comes back to this session after the restart; the chat goes on meanwhile."
    : "The agent does not run as a service, so it will not come back to this session after the restart. Ask to run it as a service first to have it reconnect.";
}

interface Doers extends ChatHooks {
  sendFile: () => void;
  askScreen: () => void;
  ask: (kind: AskKind) => void;
  stop: (task: string) => void;
  openDialog: (dialog: ActionDialog, first?: TaskKind) => void;
  isPrimary: boolean;
}

/** The menu's items for this session and what it allows now. */
function featureGroups(tab: Tab, doers: Doers): MenuGroup[] {
  const session = tab.session;
  const ended = session.status === "ended";
  const log = readComputerLog(tab.events, ended);
  const agent = session.customer.app === "agent";
  const name = session.customer.name || "the customer";
  const sharing = screenStatus(tab.events).state === "sharing";
  const endedReason = ended ? "The session has ended." : null;
  const item = (
    id: string,
    label: string,
    reason: string | null,
    onSelect: () => void,
    dialog = false,
  ): MenuItem => ({ id, label, disabledReason: endedReason ?? reason, onSelect, dialog });
  /** An agent feature: needs the agent, then its own condition. */
  const onComputer = (id: string, label: string, reason: string | null, onSelect: () => void, dialog = false) =>
    item(id, label, agent ? reason : NEEDS_AGENT, onSelect, dialog);
  const waiting = (kind: AskKind) => (log.pending.has(kind) ? `Waiting for ${name} to answer the last request.` : null);
  const busy = log.unfinishedTask !== null ? "The customer's computer is busy with the last task." : null;
  const noCredentials =
    log.grants.credentials === null ? `Needs ${name}'s login credentials: request them first.` : null;

  const computer: MenuItem[] = [
    onComputer("diagnostics", "Request system information", waiting("diagnostics"), () => doers.ask("diagnostics")),
    // Reports stay readable after the session, and whatever the customer now uses.
    {
      id: "open-diagnostics",
      label: "Open diagnostics…",
      disabledReason: log.reports.length === 0 ? "No system information has been sent yet." : null,
      dialog: true,
      onSelect: () => openDiagnostics(tab.id),
    },
    onComputer(
      "credentials",
      "Request login credentials",
      log.grants.credentials !== null ? `${name} has already given their login credentials.` : waiting("credentials"),
      () => doers.ask("credentials"),
    ),
    {
      ...onComputer("apply", "Apply login credentials", noCredentials ?? busy, () => undefined),
      submenu: APPLY.map(([task, label]) => item(`apply-${task}`, label, null, () => doers.openDialog("apply", task), true)),
    },
    onComputer(
      "service",
      "Run as a service",
      log.grants.service !== null ? "The agent already runs as a service." : waiting("service"),
      () => doers.ask("service"),
    ),
    onComputer(
      "reboot",
      "Reboot and reconnect…",
      log.grants.credentials === null && log.grants.service === null
        ? `Needs ${name}'s login credentials or the agent running as a service.`
        : busy,
      () => doers.openDialog("reboot"),
      true,
    ),
  ];
  const unfinished = log.unfinishedTask;
  computer.push(
    onComputer(
      "stop-waiting",
      "Stop waiting for the last task",
      unfinished === null ? "No task is running on the customer's computer." : null,
      () => {
        if (unfinished !== null) doers.stop(unfinished);
      },
    ),
  );
  if (!agent) computer.push(item("send-agent", `${SEND_AGENT_TITLE}…`, null, () => doers.openDialog("agent"), true));

  const session_: MenuItem[] = [item("invite", "Invite a representative…", null, () => doers.openDialog("invite"), true)];
  if (doers.isPrimary) {
    session_.push(item("transfer", "Transfer the session…", null, () => doers.openDialog("transfer"), true));
  }
  session_.push(
    item("leave", "Leave session…", null, () => doers.openDialog("leave"), true),
    item("close", "Close session…", null, () => doers.openDialog("close"), true),
  );

  return [
    {
      label: "Chat",
      items: [
        item("script-message", "Insert a scripted message…", null, () => doers.pickScript("message"), true),
        item("script-url", "Insert a scripted URL…", null, () => doers.pickScript("url"), true),
        item("push-url", "Push a URL", null, doers.focusPushUrl),
        item("private", "Write to the representatives only", null, doers.writePrivately),
      ],
    },
    {
      label: "Files and screen",
      items: [
        item("send-file", "Send a file to the customer…", null, doers.sendFile),
        item("screen", "Ask to see the screen", sharing ? `${name} is sharing the screen now.` : null, doers.askScreen),
        {
          id: "viewer",
          label: "Open viewer",
          disabledReason: sharing ? null : `${name} is not sharing the screen.`,
          onSelect: () => void openViewer(tab.id),
        },
      ],
    },
    { label: "Customer's computer", items: computer },
    { label: "Session", items: session_ },
  ];
}
