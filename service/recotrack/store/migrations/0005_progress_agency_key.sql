-- A progress report's agency is its recommendation's agency: one composite foreign key says
-- so (two separate ones allowed a report filed under another agency), and checks one row per
-- report instead of two, which a batch of 10,000 reports feels.
alter table recommendation add constraint recommendation_id_agency_key unique (id, agency_id);
alter table progress_report
    add constraint progress_report_recommendation_agency_fkey
        foreign key (recommendation_id, agency_id) references recommendation (id, agency_id),
    drop constraint progress_report_recommendation_id_fkey,
    drop constraint progress_report_agency_id_fkey;
