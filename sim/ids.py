"""Ids of issues, parties, actors and pressures: a letter, then letters, digits, ``_`` or ``-``.

No dots, so a dotted path such as ``parties.russia.stakes.territory.red_line`` names exactly one
field.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
ID_RE = re.compile(ID_PATTERN)
ID_EXPECTED = "an id: a letter, then letters, digits, '_' or '-'"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
