"""``SqlStore``: the ``Store`` protocol over SQLAlchemy Core, on SQLite or PostgreSQL.

Why this module is short: the store is composed of one mixin per concern, each in a
module of its own that says why it exists, all sharing the engines, the write lock,
the ``Reader`` and the ``AppendWriter`` of ``StoreBase`` (``base.py``, which also
states the rules every transaction follows). Callers import ``SqlStore`` from here.

- ``accounts.py``: representatives and their console logins
- ``portals.py``: portals, their settings and members
- ``sessions.py``: sessions, attendees, customer tokens; saving a ``Change``
- ``log.py``: the session log (group-committed appends, replay)
- ``codes.py``: session codes and their join links
- ``presence.py`` and ``agent_links.py``: the customer's presence marks, and the
  Helpline agent's attach links
- ``invitations.py``: invitations and transfers
- ``team_settings.py``: the team's settings
- ``scripts.py``: scripted messages and URLs
- ``history.py``: history search
- ``files.py`` and ``consents.py``: shared files and consent requests
- ``webhooks.py``: webhook endpoints and the calls to make to them

Rows become domain objects (and back) in ``rows.py``; the tables are in ``tables.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpline.store.accounts import AccountsMixin
from helpline.store.agent_links import AgentLinksMixin
from helpline.store.codes import CodesMixin
from helpline.store.computer import ComputerMixin
from helpline.store.consents import ConsentsMixin
from helpline.store.files import FilesMixin
from helpline.store.history import HistoryMixin
from helpline.store.invitations import InvitationsMixin
from helpline.store.log import LogMixin
from helpline.store.portals import PortalsMixin
from helpline.store.presence import PresenceMixin
from helpline.store.scripts import ScriptsMixin
from helpline.store.sessions import SessionsMixin
from helpline.store.team_settings import TeamSettingsMixin
from helpline.store.webhooks import WebhooksMixin

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from helpline.store.protocol import HelplineStore, Store, TransferStore
    from helpline.store.tools_protocol import SessionToolsStore


class SqlStore(
    AccountsMixin,
    PortalsMixin,
    SessionsMixin,
    LogMixin,
    CodesMixin,
    PresenceMixin,
    AgentLinksMixin,
    InvitationsMixin,
    TeamSettingsMixin,
    ScriptsMixin,
    HistoryMixin,
    WebhooksMixin,
    FilesMixin,
    ConsentsMixin,
    ComputerMixin,
):
    """The store, over an engine made by ``helpline.store.database.create_engine``.

    The engine must come from that function: it configures SQLite connections
    (durability, foreign keys, transaction control) that these queries rely on.
    """


if TYPE_CHECKING:

    def _implements_store(engine: AsyncEngine) -> Store:
        # mypy checks here that SqlStore matches the protocol, method by method.
        return SqlStore(engine)

    def _implements_session_tools(engine: AsyncEngine) -> SessionToolsStore:
        return SqlStore(engine)

    def _implements_transfers(engine: AsyncEngine) -> TransferStore:
        return SqlStore(engine)

    def _implements_helpline_store(engine: AsyncEngine) -> HelplineStore:
        return SqlStore(engine)
