"""Which members' names a text mentions: every name in one trie-shaped pattern, counted beyond the template's own."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence


def normalize(text: str) -> str:
    """Return text as compared: NFKC, without any whitespace (PDF text breaks lines and spaces kana/digits)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class MemberNames:
    """Every member's name, to find which of them a PDF's text mentions; build it once per run.

    One regular expression shaped like a trie of the names: a few thousand names cost about
    as much as one, where testing each name in turn would be quadratic in the roster.
    """

    def __init__(self, names: Mapping[str, str], template_texts: Mapping[str, Sequence[tuple[str, str]]] | None = None):
        """``template_texts``: per template, what it prints for made-up members (templatecheck.printed_text)."""
        self.names = {member_id: normalize(name) for member_id, name in names.items()}
        self._owners: dict[str, set[str]] = {}
        for member_id, name in self.names.items():
            if name:
                self._owners.setdefault(name, set()).add(member_id)
        self._pattern = re.compile(_trie_pattern(self._owners)) if self._owners else None
        # Per template, how often it prints each name by itself: once (body) and on every page (header,
        # footer); the most of any made-up member's text.
        self._printed: dict[str, tuple[Counter[str], Counter[str]]] = {}
        for document, texts in (template_texts or {}).items():
            once: Counter[str] = Counter()
            every_page: Counter[str] = Counter()
            for body, margins in texts:
                once |= self._count(normalize(body))
                every_page |= self._count(normalize(margins))
            self._printed[document] = (once, every_page)
        self._allowed: tuple[Counter[str], Counter[str]] = (Counter(), Counter())

    def for_document(self, document: str) -> MemberNames:
        """Return these names as one template's PDFs are checked: what the template prints by itself is nobody's
        mention.
        """
        view = copy.copy(self)
        view._allowed = self._printed.get(document, (Counter(), Counter()))
        return view

    def in_template_text(self) -> dict[str, tuple[str, ...]]:
        """Return the members whose name a template prints by itself, with those templates (for check's warning)."""
        found: dict[str, list[str]] = {}
        for document, (once, every_page) in self._printed.items():
            for name in once | every_page:
                for member_id in self._owners[name]:
                    found.setdefault(member_id, []).append(document)
        return {member_id: tuple(documents) for member_id, documents in found.items()}

    def mentioned(self, text: str, member_id: str, pages: int = 1) -> set[str]:
        """Return the IDs of other members whose names occur in ``text`` (already normalized).

        The member's own name is blanked out first, so a name contained in it does not count;
        members sharing the very same name cannot be told apart and are not reported. A name
        counts only beyond the times the template prints it by itself (see for_document): a
        member named 「ATS」 is not mentioned by the letter's own 「ATS」.
        """
        if self._pattern is None:
            return set()
        own = self.names.get(member_id, "")
        if own:
            text = text.replace(own, "\0")
        found: set[str] = set()
        once, every_page = self._allowed
        for name, count in self._count(text).items():
            if count > once[name] + every_page[name] * pages:
                found |= self._owners[name]
        return found - {member_id} - self._owners.get(own, set())

    def _count(self, text: str) -> Counter[str]:
        return Counter(match.group() for match in self._pattern.finditer(text)) if self._pattern else Counter()


def _trie_pattern(words: Iterable[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A name ends here: the longer names go on optionally, and greedily, so the longest one wins.
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)
