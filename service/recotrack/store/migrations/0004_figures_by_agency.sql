-- Figures are kept per agency (store/stats.py): the newest event of each agency, drafts' and
-- token administration's included, tells whether its figures still stand. The changes feed
-- reads the same index and skips what its agency may not see.
drop index event_agency_feed;
create index event_agency on event (agency_id, seq);

-- The latest progress status of each recommendation (its state, the figures) is read from the
-- index alone, without visiting the table.
drop index progress_report_latest;
create index progress_report_latest
    on progress_report (recommendation_id, reported_on desc, seq desc) include (status, agency_id);
