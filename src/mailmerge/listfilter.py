"""The review list's filter as the page applies it (search, group, flag, decision), and the members before and after.

list.js filters the rows in the browser; the member page's 「前の会員」/「次の会員」 and 「承認して次へ」 follow
the same filter here, from the same query (?q=…&group=…&flag=…&status=…), so a reviewer going through
the 要再確認 members, or one group, never leaves them. ``ids`` keeps to the members a link named (作成's result).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from mailmerge.models import recipient_lines
from mailmerge.review import MemberReview

KEYS = ("q", "group", "flag", "status", "ids")
ANY_FLAG = "any"
# The longest ?ids= read: the links that name members (workspace_jobs) carry at most a hundred IDs.
IDS_LENGTH = 4000


def normalised(text: str) -> str:
    """Return text as the search compares it: NFKC (full-width digits and letters typed by an IME), trimmed, lower
    case.
    """
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def search_text(member: MemberReview, fields: Mapping[str, str] | None) -> str:
    """Return what the search looks in besides the ID and the name: the address block (representative, address)."""
    return " ".join(recipient_lines(fields)) if fields else ""


@dataclass(frozen=True)
class ListFilter:
    """One state of the list's filters; empty values match every member."""

    q: str = ""
    group: str = ""
    flag: str = ""
    status: str = ""
    ids: str = ""  # member IDs joined by commas: the members another page named (作成's result), only them

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> ListFilter:
        return cls(**{key: str(args.get(key, ""))[: IDS_LENGTH if key == "ids" else 200] for key in KEYS})

    @property
    def query(self) -> str:
        """Return the filter as a query string ('' when nothing is filtered), for the links that keep it."""
        return urlencode({key: getattr(self, key) for key in KEYS if getattr(self, key)})

    def matches(self, member: MemberReview, fields: Mapping[str, str] | None) -> bool:
        """Return True when the list shows the member under this filter (list.js's rule)."""
        text = normalised(self.q)
        if text:
            haystack = "\0".join(
                (normalised(member.member_id), normalised(member.name), normalised(search_text(member, fields)))
            )
            if text not in haystack:
                return False
        if self.group and member.group != self.group:
            return False
        if self.flag and not (member.flags if self.flag == ANY_FLAG else self.flag in member.flags):
            return False
        if self.ids and member.member_id not in self.ids.split(","):
            return False
        return not self.status or member.status == self.status

    def neighbours(
        self, reviews: Sequence[MemberReview], fields: Mapping[str, Mapping[str, str]], member_id: str
    ) -> tuple[str | None, str | None]:
        """Return the IDs of the members shown before and after ``member_id`` under this filter (None at an end).

        Counted from the member's place in the whole list, so a member just approved, which the
        filter (未確認, say) no longer shows, still leads to the one after it.
        """
        order = [r.member_id for r in reviews]
        at = order.index(member_id)
        shown = [self.matches(r, fields.get(r.member_id)) for r in reviews]
        before = next((order[i] for i in range(at - 1, -1, -1) if shown[i]), None)
        after = next((order[i] for i in range(at + 1, len(order)) if shown[i]), None)
        return before, after
