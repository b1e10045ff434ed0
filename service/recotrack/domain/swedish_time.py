"""Swedish time: the zone in which the service's dates are days (a due date, a file's date)."""

import zoneinfo

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
