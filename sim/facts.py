"""The fact base (``seeds/``): facts drawn from the source articles, cited as ``<key>#<n>``.

Each ``seeds/<key>.md`` has a ``- key: <key>`` line and numbered items ``N. text``; the fact id
``<key>#N`` names item N. Scenario fields cite them with ``source: [...]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_KEY = re.compile(r"^-\s*key:\s*(\S+)\s*$")
_META = re.compile(r"^-\s*(outlet|date|seed file|covers):\s*(.+?)\s*$")
_ITEM = re.compile(r"^(\d+)\.\s+(.+?)\s*$")


@dataclass(frozen=True)
class Source:
    """One source article: its key, outlet, date and numbered facts."""

    key: str
    outlet: str
    date: str
    file: str
    facts: dict[int, str]


def read_fact_base(folder: Path) -> dict[str, Source]:
    """Every ``*.md`` with a ``key:`` line in ``folder`` (README.md and others are skipped)."""
    sources: dict[str, Source] = {}
    for md in sorted(folder.glob("*.md")):
        key, meta, facts = None, {}, {}
        for line in md.read_text(encoding="utf-8").splitlines():
            if m := _KEY.match(line):
                key = m.group(1)
            elif m := _META.match(line):
                meta[m.group(1)] = m.group(2)
            elif m := _ITEM.match(line):
                facts[int(m.group(1))] = m.group(2)
        if key is not None:
            sources[key] = Source(key, meta.get("outlet", ""), meta.get("date", ""), md.name, facts)
    return sources


def fact_ids(sources: dict[str, Source]) -> dict[str, str]:
    """``{fact id: text}`` over all sources."""
    return {f"{k}#{n}": text for k, src in sources.items() for n, text in src.facts.items()}
