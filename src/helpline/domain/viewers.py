"""Who is looking: the customer of a session, or one representative.

Kept apart from the rules in ``visibility`` so that the modules those rules read
(files, sessions) can name a viewer without importing the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ViewerKind(StrEnum):
    CUSTOMER = "customer"
    REPRESENTATIVE = "representative"


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    rep_id: int | None = None

    @classmethod
    def customer(cls) -> Viewer:
        return cls(ViewerKind.CUSTOMER)

    @classmethod
    def representative(cls, rep_id: int) -> Viewer:
        return cls(ViewerKind.REPRESENTATIVE, rep_id)

    @property
    def is_customer(self) -> bool:
        return self.kind is ViewerKind.CUSTOMER
