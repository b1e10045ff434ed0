-- Reminders by mail (issue 15; store/reminders.py, worker/reminder_pass.py): what was sent,
-- so that no restart, rerun or second replica sends a reminder twice.
--
-- One row per mail, sent to one recipient: for a recommendation's response or implementation
-- due on `due_on` (the effective due date, a working day: a moved date has a schedule of its
-- own), the step of the schedule (`step`, on its day `step_on`: weekly overdue reminders are
-- distinct steps). The pass inserts the row, sends, and commits: a replica at the same step
-- waits on the key and then finds it taken; a failed send rolls back, and the next pass
-- tries again.
create table reminder_sent (
    recommendation_id uuid not null references recommendation (id),
    due               text not null check (due in ('response', 'implementation')),
    due_on            date not null,
    step              text not null check (step in ('before', 'due', 'overdue', 'escalation')),
    step_on           date not null,
    recipient         text not null,
    sent_at           timestamptz not null default now(),
    primary key (recommendation_id, due, due_on, step, step_on, recipient)
);

-- The secretariat's weekly digest, once a week (`day`: the digest's weekday of that week).
create table reminder_digest_sent (
    day       date not null,
    recipient text not null,
    sent_at   timestamptz not null default now(),
    primary key (day, recipient)
);

-- Each day's pass, when it finished and how it went: the daily job skips a day whose pass
-- sent everything (`failed` = 0), and runs it again later while mail failed.
create table reminder_pass (
    day         date primary key,
    finished_at timestamptz not null default now(),
    sent        integer not null check (sent >= 0),
    failed      integer not null check (failed >= 0)
);
