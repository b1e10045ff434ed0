"""What the OpenAPI document says that Litestar cannot derive from a handler's signature: the
media types of a streamed export, and links from an answer to the operations that can follow
it (the id it names, and its `ETag` as the next change's `If-Match`).

Each is an `Operation` subclass passed as a route's `operation_class`: Litestar builds the
operation, then this fills in the success response. And `ClosedBodies`, a schema plugin: a
request body refuses unknown fields (422), which its schema says (`additionalProperties:
false`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Link,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.typing import FieldDefinition

ID = "$response.body#/id"
PATH_RECOMMENDATION = "$request.path.recommendation_id"
ETAG = "$response.header.ETag"
FIRST_ID = "$response.body#/items/0/id"
"""The first item of a page: links from a list lead to an object the caller may see."""


def follows(operation_id: str, **parameters: str) -> Link:
    """A link to `operation_id`; a keyword `if_match` becomes the `If-Match` header."""
    named = {
        ("header.If-Match" if name == "if_match" else name): v for name, v in parameters.items()
    }
    return Link(operation_id=operation_id, parameters=named)


def success(
    *, content: Mapping[str, Schema] | None = None, links: Sequence[Link] = ()
) -> type[Operation]:
    """An `operation_class` whose 2xx responses have `content` (media type → schema) instead of
    what Litestar derived, and `links` (each named by its target's operation id)."""

    @dataclass
    class Documented(Operation):
        def __post_init__(self) -> None:
            assert self.responses, "Litestar always documents the success response"
            for status, ok in self.responses.items():
                if not status.startswith("2"):
                    continue
                assert isinstance(ok, OpenAPIResponse)
                if content is not None:
                    ok.content = {
                        media_type: OpenAPIMediaType(schema=schema)
                        for media_type, schema in content.items()
                    }
                if links:
                    ok.links = {str(link.operation_id): link for link in links}

    return Documented


def text(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, description=description)


def binary(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, description=description)


def also(status: int, model: type, description: str) -> dict[int, ResponseSpec]:
    """A second success status of an operation (Litestar documents only the handler's own)."""
    return {status: ResponseSpec(model, description=description, generate_examples=False)}


class ClosedBodies(StructSchemaPlugin):
    """Litestar's schemas of msgspec structs, with `additionalProperties: false` for those that
    forbid unknown fields (the request bodies): a client reading the contract learns it."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and bool(
            field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
