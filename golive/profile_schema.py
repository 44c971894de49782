"""The profile's JSON Schema, from the pydantic models (``golive profile schema``).

For editors: with the schema saved next to the profiles, a first line
``# yaml-language-server: $schema=./golive-profile.schema.json`` gives completion, hover
documentation and inline errors in any editor that runs the YAML language server (VS Code's YAML
extension, Neovim, JetBrains...). golive's own validation stays the authority: the schema cannot
say that a file exists, that a DSN parses or that a waiver names a real subject.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import textwrap
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file as written (YAML keys and aliases, durations as strings)."""
    import golive
    from golive.profile import Profile

    schema = Profile.model_json_schema(by_alias=True, mode="validation", schema_generator=_DocumentedFields)
    properties = schema.setdefault("properties", {})
    properties["extends"] = {"type": "string", "title": "Extends",
                             "description": "another profile (name in the same directory or profiles/, or a "
                                            "relative path), deep-merged under this one"}
    return {"$schema": SCHEMA_DIALECT, "$id": f"https://golive.invalid/schema/profile-{golive.__version__}.json",
            **schema, "title": "golive profile",
            "description": "A golive profile: what to check (targets, hosts, databases) and how strictly "
                           "(checks.*), with waivers and attestations. Values may use ${VAR} / ${VAR:-default}."}


class _DocumentedFields(GenerateJsonSchema):
    """pydantic's schema generator, with each field's attribute docstring as its description
    (unless the field sets one), read from the model's source only when a schema is asked for."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model = schema["cls"]
        properties = json_schema.get("properties", {})
        docs = _attribute_docs(model)
        for name, field in getattr(model, "model_fields", {}).items():
            documented = properties.get(field.alias or name) if self.by_alias else properties.get(name)
            doc = docs.get(name)
            if doc and isinstance(documented, dict) and "description" not in documented:
                documented["description"] = doc
        return json_schema


def _attribute_docs(model: type) -> dict[str, str]:
    """``{field: docstring}`` of the string literals right after annotated attributes, in the model
    and its bases (the nearest class wins)."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        docs.update(_own_attribute_docs(cls))
    return docs


@functools.cache
def _own_attribute_docs(cls: type) -> dict[str, str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):  # built-ins, classes made at run time
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for statement, following in itertools.pairwise(body):
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs
