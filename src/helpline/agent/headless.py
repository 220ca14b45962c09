"""The agent without a window, as the service runs it (``helpline agent service``).

Why a plain view: a systemd unit has no terminal. The same ``AgentSession`` runs the
session (chat, files, tasks) and its lines go to standard output, which the service
manager keeps (the journal, or the twin's log file). It resumes after the last event
the state file says it saw, so nothing sent while it was down is lost or shown twice.
"""

from __future__ import annotations

import sys
from pathlib import Path

from helpline.agent import credentials, state, window
from helpline.agent.joining import Credentials
from helpline.agent.service import manager_for
from helpline.agent.session import AgentSession
from helpline.agent.view import LogLine, View


class PrintedView(View):
    def line(self, line: LogLine) -> None:
        print(line.text, flush=True)


async def run_service(record: state.ServiceState, state_file: Path) -> None:
    credentials.harden_process()
    agent = AgentSession(
        Credentials(record.server, record.session, record.token),
        download_dir=Path(record.download_dir),
        view=PrintedView(),
        service_state=state_file,
    )
    agent.connection.tracker.last = record.last_seq
    agent.computer.run_after = record.last_seq
    agent.computer.as_service = True
    agent.prompts.asks_server = False

    def window_open() -> bool:
        return window.window_open(record.session, state_file.parent)

    agent.prompts.unattended = lambda: not window_open()
    agent.computer.window_open = window_open
    agent.computer.service = manager_for(record.manager, record.session, state_file.parent)
    print(f"Resuming session {record.session} after event {record.last_seq}.", flush=True)
    try:
        closed = await agent.run()
    finally:
        await agent.close()
    print(f"Session {record.session}: {closed.reason or 'closed'}.", file=sys.stderr, flush=True)
