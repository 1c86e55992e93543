"""The JSON Schema of scenario files, for editors (``# yaml-language-server: $schema=...``)."""

from __future__ import annotations

import json

from .scenario import Scenario


def schema_text() -> str:
    """The schema as stable, pretty-printed JSON text."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "negsim scenario"
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "A scenario file this one builds on (merged by id).",
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
