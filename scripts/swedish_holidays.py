"""Print the SQL that fills `swedish_holiday` (migration 0012) from the `holidays` package.

Run once to write the migration's list; migrations are forward only, so a later change of the
calendar (a new holiday) is a new migration that adds its days. tests/test_swedish_deadlines_sql.py
holds the table to what the package says.

    .venv/bin/python scripts/swedish_holidays.py
"""

from __future__ import annotations

from recotrack.domain.deadlines import FIRST_YEAR, LAST_YEAR, holidays_of


def insert_sql() -> str:
    rows = [
        "('{}', '{}')".format(day.isoformat(), name.replace("'", "''"))
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for day, name in sorted(holidays_of(year).items())
    ]
    return "insert into swedish_holiday (day, name) values\n" + ",\n".join(rows) + ";\n"


if __name__ == "__main__":
    print(insert_sql(), end="")
