"""The profile's JSON Schema, from the pydantic models (``golive profile schema``).

For editors: with the schema saved next to the profiles, a first line
``# yaml-language-server: $schema=./golive-profile.schema.json`` gives completion, hover
documentation and inline errors in any editor that runs the YAML language server (VS Code's YAML
extension, Neovim, JetBrains...). golive's own validation stays the authority: the schema cannot
say that a file exists, that a DSN parses or that a waiver names a real subject.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file as written (YAML keys and aliases, durations as strings)."""
    import golive
    from golive.profile import Profile

    schema = Profile.model_json_schema(by_alias=True, mode="validation")
    properties = schema.setdefault("properties", {})
    properties["extends"] = {"type": "string", "title": "Extends",
                             "description": "another profile (name in the same directory or profiles/, or a "
                                            "relative path), deep-merged under this one"}
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://golive.invalid/schema/profile-{golive.__version__}.json",
            **schema, "title": "golive profile",
            "description": "A golive profile: what to check (targets, hosts, databases) and how strictly "
                           "(checks.*), with waivers and attestations. Values may use ${VAR} / ${VAR:-default}."}
