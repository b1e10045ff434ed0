-- The public catalogue's pages are newest first: an index in that order over what it shows,
-- so a page is an index walk stopped at its end and its count an index-only scan, instead of
-- a sort and a scan of the whole table (bench/public_catalogue.py: 71 ms a page at 100,000).
-- The key is the list's own sort expression (store/recommendation_list.py, `-issued_on`).
create index recommendation_public_newest
    on recommendation ((coalesce(issued_on, '0001-01-01'::date)) desc, id desc)
    where published and issued_on is not null;
