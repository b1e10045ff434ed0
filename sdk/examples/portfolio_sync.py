"""An agency's portfolio tool kept in step with recotrack. Run it on a schedule; kill it any time.

Env: RECOTRACK_URL, RECOTRACK_TOKEN (an agency token), PORTFOLIO_DB (SQLite file). Each run:
1. sends the tool's progress updates not yet acknowledged (each with its own stable
   external_ref: sending one again is a no-op on the server);
2. pulls what changed since the stored cursor and stores the recommendations, the
   acknowledgements and the new cursor in one local transaction (killed before it commits, the
   next run pulls the same again; after it, never twice);
3. does the tool's own work (here: a first progress update for each recommendation that has
   none, standing in for what its users enter) and sends it at once.
"""

from __future__ import annotations

import os
import sqlite3
import uuid

import msgspec

from recotrack_sdk import AgencySync, Client
from recotrack_sdk.models import SyncOutcome, SyncProgressItem

SCHEMA = """
create table if not exists sync_state (id integer primary key check (id = 1), cursor text);
create table if not exists recommendation (
    id text primary key, code text not null, state text not null, version integer not null,
    snapshot blob not null);
create table if not exists outbox (
    external_ref text primary key, recommendation_id text not null, status text not null,
    note text not null, outcome text);  -- null until the server has acknowledged it
"""


def unsent(db: sqlite3.Connection) -> list[SyncProgressItem]:
    rows = db.execute(
        "select recommendation_id, external_ref, status, note from outbox"
        " where outcome is null order by rowid"
    )
    return [
        SyncProgressItem(recommendation_id=rec, external_ref=ref, status=status, note=note)
        for rec, ref, status, note in rows
    ]


def acknowledge(
    db: sqlite3.Connection, sent: list[SyncProgressItem], outcomes: list[SyncOutcome]
) -> None:
    for outcome in outcomes:  # created, unchanged, conflict or rejected: none is sent again
        ref = sent[outcome.index].external_ref
        db.execute("update outbox set outcome = ? where external_ref = ?", (outcome.outcome, ref))


def plan_updates(db: sqlite3.Connection) -> None:
    with db:
        new = db.execute(
            "select id from recommendation r where state in ('issued', 'responded')"
            " and not exists (select 1 from outbox o where o.recommendation_id = r.id)"
        ).fetchall()
        for (rec_id,) in new:
            db.execute(
                "insert into outbox (external_ref, recommendation_id, status, note)"
                " values (?, ?, 'in_progress', 'Arbetet har påbörjats')",
                (f"portfolio-{uuid.uuid4()}", rec_id),
            )


def main() -> None:
    db = sqlite3.connect(os.environ.get("PORTFOLIO_DB", "portfolio.sqlite3"))
    db.executescript(SCHEMA)
    row = db.execute("select cursor from sync_state").fetchone()
    with Client(user_agent="portfolio-sync-example") as client:
        sync = AgencySync(client)
        sending = unsent(db)
        result = sync.run(row[0] if row else None, sending)
        with db:  # one transaction: what was pulled, what was acknowledged, the new cursor
            db.executemany(
                "insert or replace into recommendation values (?, ?, ?, ?, ?)",
                [
                    (r.id, r.code, r.state, r.version, msgspec.json.encode(r))
                    for r in result.recommendations
                ],
            )
            db.executemany("delete from recommendation where id = ?", [(i,) for i in result.gone])
            acknowledge(db, sending, result.outcomes)
            db.execute("insert or replace into sync_state values (1, ?)", (result.cursor,))
        plan_updates(db)
        sending = unsent(db)
        outcomes = sync.push(sending)
        with db:
            acknowledge(db, sending, outcomes)
    changed, sent = len(result.recommendations), len(result.outcomes) + len(outcomes)
    print(f"pulled {len(result.changes)} changes ({changed} recommendations); sent {sent} updates")
    db.close()


if __name__ == "__main__":
    main()
