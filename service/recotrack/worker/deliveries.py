"""The webhook delivery job: each subscription is sent the changes it may read, in the
feed's order, signed by the Standard Webhooks specification.

`concurrency` slots per process each take a subscription (`store.deliveries.claim`: its
row locked for as long as the slot works on it, so every replica may run this job), send
it a run of its changes, one at a time, and record how far they got. A change that fails
holds back the ones after it (head of line) and is tried again on the retry schedule; after
the last retry the subscription is disabled (an event, in the audit chain) and its owner is
mailed. Its progress is all in PostgreSQL: a slot that dies loses its lock with its
connection, and the next goes on from the recorded position (a run that was sent but not
recorded is sent again: deliveries are at least once, and `webhook-id` lets a receiver
drop a repeat).

Slots wake when events are committed (the change notifications), when a retry falls due
(also one that a slot has just scheduled), and at the latest every `_POLL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from recotrack.domain.deliveries import attempts_allowed, retry_delay
from recotrack.notify import webhook_disabled
from recotrack.notify.smtp import MailError, send
from recotrack.secretbox import SecretBox, SecretsKeyError
from recotrack.settings import Settings, SmtpServer
from recotrack.store import deliveries as store
from recotrack.store.agencies import get_agency
from recotrack.store.changes import read_change, read_changes
from recotrack.store.notify import ChangeNotifier
from recotrack.store.pool import Connection, Pool
from recotrack.store.webhooks import disable_webhook, signing_secrets
from recotrack.worker.sending import Deliverer, Outcome
from recotrack.worker.waiting import first_of
from recotrack_sdk.models import Change

ACTOR = "worker:webhooks"
"""Who the event log says disabled a subscription."""
TIMEOUT_SECONDS = 10.0
"""A receiver that has not answered by then has failed (a timeout)."""
_RUN = 100
"""Changes a slot sends one subscription before it records them and lets it go."""
_RUN_SECONDS = 1.0
"""…or after this long, so that what was sent is recorded soon and the lock is let go."""
_POLL_SECONDS = 5.0
"""A slot looks at least this often, whether or not it heard of a commit."""
_RETRY_SECONDS = 5.0
"""After a look that failed (the database away, say)."""

log = structlog.get_logger("recotrack.worker")
_random = random.SystemRandom()


@dataclass(frozen=True, slots=True)
class Config:
    schedule: tuple[float, ...]
    concurrency: int
    allow_private: bool
    timeout: float = TIMEOUT_SECONDS
    smtp: SmtpServer | None = None
    mail_from: str | None = None
    secretariat_email: str | None = None
    public_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_settings(cls, settings: Settings) -> Config:
        return cls(
            schedule=settings.webhook_retry_schedule,
            concurrency=settings.webhook_concurrency,
            allow_private=settings.webhook_allow_private,
            smtp=SmtpServer.from_url(settings.smtp_url) if settings.smtp_url else None,
            mail_from=settings.mail_from,
            secretariat_email=settings.secretariat_email,
            public_url=settings.public_base_url,
        )


class Deliveries:
    """The job: `concurrency` slots until `stop` is set."""

    def __init__(
        self, pool: Pool, box: SecretBox, notifier: ChangeNotifier, config: Config
    ) -> None:
        self.pool = pool
        self.box = box
        self.notifier = notifier
        self.config = config
        self.deliverer = Deliverer(
            timeout=config.timeout,
            allow_private=config.allow_private,
            connections=4 * config.concurrency,
        )
        self._idle: collections.deque[asyncio.Future[None]] = collections.deque()
        self._missed = False
        self._rescheduled = asyncio.Event()
        """Set when a slot has recorded a next attempt: the lookout's wait, taken before that
        was committed, may be longer than the time until it falls due."""

    async def run(self, stop: asyncio.Event) -> None:
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._lookout(stop))
                for _ in range(self.config.concurrency):
                    tasks.create_task(self._slot(stop))
        finally:
            await self.deliverer.close()

    # How slots wake. A commit (or a retry falling due) wakes one idle slot, not all: a slot
    # that found work wakes one more, since there may be more, and one that found none goes
    # back to sleep. A commit while no slot is idle is kept (`_missed`), so the next slot
    # that finds nothing looks once more before it sleeps: no commit goes unseen.

    def _wake_one(self) -> None:
        while self._idle:
            waiting = self._idle.popleft()
            if not waiting.done():
                waiting.set_result(None)
                return
        self._missed = True

    async def _lookout(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            commit = self.notifier.next_commit()
            # taken before the look, like `commit`: a retry recorded meanwhile is not missed
            rescheduled = self._rescheduled = asyncio.Event()
            try:
                wait = await self._until_due()
            except Exception as exc:  # the database away, say: look again later
                log.warning("webhook deliveries could not look", error=type(exc).__name__)
                wait = _RETRY_SECONDS
            await first_of(commit, stop, wait, rescheduled)
            if rescheduled.is_set() and not commit.is_set():
                continue  # only a new due time: look again when it falls due
            self._wake_one()
        for waiting in self._idle:  # stopping: every slot wakes to see it
            if not waiting.done():
                waiting.set_result(None)

    async def _slot(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.redeliver_one() or await self.deliver_one()
            except Exception as exc:  # the database away, or anything else: look again later
                log.warning("webhook deliveries could not work", error=type(exc).__name__)
                worked = False
                await first_of(asyncio.Event(), stop, _RETRY_SECONDS)
            if worked:
                self._wake_one()
                continue
            if self._missed:
                self._missed = False
                continue
            if stop.is_set():  # the lookout's last wake-up may be past: it would be a poll's
                break  # wait (5 s) before the job could stop
            waiting = asyncio.get_running_loop().create_future()
            self._idle.append(waiting)
            await asyncio.wait([waiting], timeout=_POLL_SECONDS)
            waiting.cancel()  # no-op when woken; else a later wake goes to another slot

    async def _until_due(self) -> float:
        async with self.pool.acquire() as conn:
            due = await store.next_due(conn)
        if due is None:
            return _POLL_SECONDS
        left = (due - dt.datetime.now(dt.UTC)).total_seconds()
        return min(_POLL_SECONDS, max(left, 0.01))

    async def deliver_one(self) -> bool:
        """Work on one subscription: False when none has anything to send now."""
        disabled: webhook_disabled.Disabled | None = None
        recipients: list[str] = []
        async with self.pool.acquire() as conn, conn.transaction():
            claimed = await store.claim(conn)
            if claimed is None:
                return False
            changes = await read_changes(
                conn,
                scope=claimed.agency_id,
                after=claimed.position,
                limit=_RUN,
                types=claimed.events,
                until=claimed.head,
            )
            attempts, position, failures, next_at = await self._send_run(conn, claimed, changes)
            await store.record(
                conn,
                claimed.id,
                attempts,
                position=position,
                failures=failures,
                next_attempt_at=next_at,
            )
            if failures >= attempts_allowed(self.config.schedule):
                last = attempts[-1]
                reason = (
                    f"{failures} attempts to deliver change {last.seq} failed; "
                    f"the last: {last.error}"
                )
                await disable_webhook(conn, claimed.id, reason=reason, actor=ACTOR)
                log.warning("webhook disabled", webhook_id=claimed.id, seq=last.seq)
                disabled, recipients = await self._notice(conn, claimed, last.seq, failures, reason)
        if next_at is not None:  # committed: the lookout may now see when it falls due
            self._rescheduled.set()
        if disabled is not None:
            await self._mail(disabled, recipients)
        return True

    async def _send_run(
        self, conn: Connection, claimed: store.Claimed, changes: list[Change]
    ) -> tuple[list[store.Attempt], int, int, dt.datetime | None]:
        """Send `changes` in order until one fails or the run is long enough: the attempts,
        and the position, failure count and next attempt they leave the subscription at."""
        if not changes:  # nothing it may read up to the head: it has been sent all of it
            return [], claimed.head, 0, None
        secrets = await self._secrets(conn, claimed.id)
        attempts: list[store.Attempt] = []
        position, failures = claimed.position, claimed.failures
        started = time.monotonic()
        for change in changes:
            outcome = await self.deliverer.send(claimed.url, secrets, change)
            if outcome.succeeded:
                attempts.append(_attempt(change, failures + 1, outcome))
                position, failures = change.seq, 0
                if time.monotonic() - started > _RUN_SECONDS:
                    return attempts, position, 0, None
                continue
            failures += 1
            delay = retry_delay(self.config.schedule, failures, _random.uniform(-1, 1))
            next_at = None if delay is None else outcome.at + dt.timedelta(seconds=delay)
            # from the attempt's end, not its start: a timeout does not eat into the wait
            if next_at is not None:
                next_at += dt.timedelta(seconds=outcome.seconds)
            attempts.append(_attempt(change, failures, outcome, next_at))
            log.info(
                "webhook delivery failed",
                webhook_id=claimed.id,
                seq=change.seq,
                attempt=failures,
                status_code=outcome.status_code,
                error=outcome.error,
            )
            return attempts, position, failures, next_at
        # all sent: past the changes it may not read too, when the run took them all
        return attempts, claimed.head if len(changes) < _RUN else position, 0, None

    async def redeliver_one(self) -> bool:
        """Send one queued redelivery: False when none is due."""
        async with self.pool.acquire() as conn, conn.transaction():
            queued = await store.claim_redelivery(conn)
            if queued is None:
                return False
            change = await read_change(conn, queued.seq)
            if change is None:  # an event is never deleted; were it, there is nothing to send
                raise LookupError(f"no event {queued.seq}")
            secrets = await self._secrets(conn, queued.webhook_id)
            outcome = await self.deliverer.send(queued.url, secrets, change)
            await store.record_redelivery(
                conn, queued.id, _attempt(change, queued.attempt, outcome)
            )
        return True

    async def _secrets(self, conn: Connection, webhook_id: str) -> list[str]:
        """Its signing secrets; none when they do not open (sealed by a key since replaced):
        its deliveries then fail, and in time it is disabled, instead of holding up others."""
        try:
            return await signing_secrets(conn, webhook_id, box=self.box)
        except SecretsKeyError:
            log.warning("webhook secret does not open with the secrets key", webhook_id=webhook_id)
            return []

    async def _notice(
        self, conn: Connection, claimed: store.Claimed, seq: int, attempts: int, reason: str
    ) -> tuple[webhook_disabled.Disabled, list[str]]:
        """What to tell, and whom: the agency's contacts; the secretariat for its own."""
        if claimed.agency_id is None:
            owner = "sekretariatet / the secretariat"
            recipients = [self.config.secretariat_email] if self.config.secretariat_email else []
        else:
            agency = await get_agency(conn, claimed.agency_id, scope=None)
            owner = agency.name
            recipients = [c.email for c in agency.contacts if c.role in ("contact", "management")]
        notice = webhook_disabled.Disabled(
            webhook_id=claimed.id,
            url=claimed.url,
            owner=owner,
            seq=seq,
            attempts=attempts,
            reason=reason,
        )
        return notice, recipients

    async def _mail(self, notice: webhook_disabled.Disabled, recipients: list[str]) -> None:
        config = self.config
        if config.smtp is None or config.mail_from is None or not recipients:
            log.warning(
                "webhook disabled: nobody mailed",
                webhook_id=notice.webhook_id,
                why="no mail server" if config.smtp is None else "no one to mail",
            )
            return
        mail = webhook_disabled.message(
            notice, public_url=config.public_url, sender=config.mail_from, recipients=recipients
        )
        with contextlib.suppress(MailError):  # logged by `send`; the subscription stays off
            await send(config.smtp, mail)


def _attempt(
    change: Change, number: int, outcome: Outcome, next_at: dt.datetime | None = None
) -> store.Attempt:
    return store.Attempt(
        seq=change.seq,
        type=change.type,
        attempt=number,
        succeeded=outcome.succeeded,
        attempted_at=outcome.at,
        status_code=outcome.status_code,
        duration_seconds=outcome.seconds,
        error=outcome.error,
        next_attempt_at=next_at,
    )


@contextlib.asynccontextmanager
async def running(
    pool: Pool, box: SecretBox, notifier: ChangeNotifier, config: Config
) -> AsyncIterator[Deliveries]:
    """The job in the background for as long as the context lasts; on the way out, the runs
    under way are finished and recorded first."""
    job = Deliveries(pool, box, notifier, config)
    stop = asyncio.Event()
    task = asyncio.create_task(job.run(stop))
    try:
        yield job
    finally:
        stop.set()
        await task
