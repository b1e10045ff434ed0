"""Reads of what is appended under a recommendation (the agency's progress reports, the
secretariat's assessments): a page in the order of writing, or one by its id, only under a
recommendation the caller may see. Each kind is one `Appended`; its writes stay its own.

The order of writing is the table's `seq`, an identity taken as each row is inserted (a sync
batch's in its input order), not `created_at`, which every row of one transaction shares. It
is the order "latest" is counted in too (the state, the export, migration 0009): the last item
of the list is the latest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from recotrack.store.errors import NotFound
from recotrack.store.pool import Connection
from recotrack.store.recommendations import visible_id
from recotrack.store.rows import Keyset, parse_id, to_struct

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Appended(Generic[T]):
    table: str
    columns: str
    kind: type[T]
    noun: str
    """How an error names one ("progress report")."""
    list_name: str
    """The name its cursors carry (so a cursor of another list is refused)."""

    async def page(
        self,
        conn: Connection,
        recommendation_id: str,
        *,
        scope: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[T], str | None]:
        rec_id = await visible_id(conn, recommendation_id, scope=scope)
        keyset = Keyset(
            self.list_name, cursor, limit, table=self.table, key="seq", key_type="bigint"
        )
        args: list[Any] = [rec_id]
        rows = await conn.fetch(
            f"""
            select {self.columns}, seq from {self.table}
            where recommendation_id = $1 and {keyset.where(args)}
            order by {keyset.order_by} limit {keyset.fetch}
            """,
            *args,
        )
        return keyset.page(rows, self.kind)

    async def one(
        self, conn: Connection, recommendation_id: str, item_id: str, *, scope: str | None
    ) -> T:
        rec_id = await visible_id(conn, recommendation_id, scope=scope)
        row = await conn.fetchrow(
            f"select {self.columns} from {self.table} where id = $1 and recommendation_id = $2",
            parse_id(item_id, self.noun),
            rec_id,
        )
        if row is None:
            raise NotFound(f"no {self.noun} {item_id!r}")
        return to_struct(row, self.kind)
