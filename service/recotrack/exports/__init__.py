"""Exports: the event log and the recommendations as NDJSON, CSV and XLSX, streamed from one
database snapshot in constant memory; used by the API's routes and the dashboard's downloads.

The rows come from `store.exports` (a snapshot, server-side cursors); here they become bytes.
Nothing here knows the web framework: an export is an `Export` (a body, a media type and the
headers), which each caller hands to its framework's streaming response.
"""
