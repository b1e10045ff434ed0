"""What the OpenAPI document says that Litestar cannot derive from a handler's signature: the
media types of a streamed export, and links from an answer to the operations that can follow
it (the id it names, and its `ETag` as the next change's `If-Match`).

Each is an `Operation` subclass passed as a route's `operation_class`: Litestar builds the
operation, then this fills in the success response. And `StructSchemas`, a schema plugin,
which documents what the structs enforce and Litestar leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Link,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
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


class StructSchemas(StructSchemaPlugin):
    """Litestar's schemas of msgspec structs, saying more of what the service enforces. A
    struct that forbids unknown fields (a request body) has `additionalProperties: false`, and
    its free text a pattern without NUL. The items of a list of constrained strings (evidence
    URLs, planned actions) keep their constraints, and integers a lower bound of 0, which
    Litestar drops."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        closed = bool(struct.__struct_config__.forbid_unknown_fields)
        if closed:
            schema.additional_properties = False
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            prop = (schema.properties or {})[field.encode_name]
            if not isinstance(prop, Schema):
                continue
            kind = _not_null(field.type)
            if isinstance(kind, msgspec.inspect.IntType) and kind.ge is not None:
                prop.minimum = kind.ge  # Litestar drops a bound of 0
            if closed and isinstance(kind, msgspec.inspect.StrType) and kind.pattern is None:
                prop.pattern = NO_NUL
            if isinstance(kind, msgspec.inspect.ListType) and isinstance(prop.items, Schema):
                _constrain_items(kind.item_type, prop.items, closed=closed)
        return schema


NO_NUL = "^[^\\u0000]*$"
"""No text may hold a NUL (`api/text.py`); a pattern of its own says so of unconstrained text."""


def say_no_nul_in_parameters(document: OpenAPI) -> None:
    """Path and query parameters of free text cannot hold a NUL either (`api/text.py`): their
    schemas say so too. Litestar builds a parameter's schema without a plugin's say, so this
    goes over the document once, where it is made."""
    for path in (document.paths or {}).values():
        for operation in (getattr(path, method) for method in _METHODS):
            for parameter in operation.parameters or () if operation else ():
                if isinstance(parameter, Parameter) and parameter.param_in in ("path", "query"):
                    _no_nul(parameter.schema)


_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _no_nul(schema: object) -> None:
    if not isinstance(schema, Schema):
        return
    for alternative in schema.one_of or ():
        _no_nul(alternative)
    _no_nul(schema.items)
    free_text = schema.type == OpenAPIType.STRING and not (schema.enum or schema.format)
    if free_text and schema.pattern is None and schema.const is None:
        schema.pattern = NO_NUL


def _not_null(kind: msgspec.inspect.Type) -> msgspec.inspect.Type:
    """The type of a field that may also be null, without the null (or its description)."""
    if isinstance(kind, msgspec.inspect.UnionType):
        types = [t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(types) == 1:
            kind = types[0]
    return kind.type if isinstance(kind, msgspec.inspect.Metadata) else kind


def _constrain_items(item: msgspec.inspect.Type, items: Schema, *, closed: bool) -> None:
    """The constraints of the strings `item` on the `items` schema of a list (of a request
    body's, when `closed`)."""
    if isinstance(item, msgspec.inspect.Metadata):  # its words (`Url`'s) are the service's
        item = item.type
    if isinstance(item, msgspec.inspect.StrType):
        items.min_length = item.min_length
        items.max_length = item.max_length
        items.pattern = item.pattern or (NO_NUL if closed else None)
