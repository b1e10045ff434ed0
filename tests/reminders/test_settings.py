"""The reminder settings: the issue's defaults, and an error in words for each bad value."""

from __future__ import annotations

import datetime as dt

import pytest

from recotrack.domain.reminders import Rules
from recotrack.settings import Settings


def test_the_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.reminder_rules == Rules((14, 3), 7, 30)
    assert settings.secretariat_email is None
    assert settings.digest_weekday == 0
    assert settings.reminder_time == dt.time(7, 0)


def test_each_setting() -> None:
    settings = Settings.from_env(
        {
            "RECOTRACK_REMINDER_DAYS_BEFORE": " 3, 21 ,7",
            "RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS": "14",
            "RECOTRACK_REMINDER_ESCALATION_DAYS": "60",
            "RECOTRACK_SECRETARIAT_EMAIL": "registrator@esv.se",
            "RECOTRACK_DIGEST_WEEKDAY": "Friday",
            "RECOTRACK_REMINDER_TIME": "06:30",
        }
    )
    assert settings.reminder_rules == Rules((21, 7, 3), 14, 60)
    assert settings.secretariat_email == "registrator@esv.se"
    assert settings.digest_weekday == 4
    assert settings.reminder_time == dt.time(6, 30)
    assert Settings.from_env({"RECOTRACK_REMINDER_DAYS_BEFORE": "none"}).reminder_rules == Rules(())


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("RECOTRACK_REMINDER_DAYS_BEFORE", "14;3", "must be whole numbers of days separated"),
        ("RECOTRACK_REMINDER_DAYS_BEFORE", "14,0", "must be days of 1 or more, not '14,0'"),
        ("RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS", "0", "must be 1 or more"),
        ("RECOTRACK_REMINDER_OVERDUE_EVERY_DAYS", "weekly", "must be a whole number"),
        ("RECOTRACK_REMINDER_ESCALATION_DAYS", "-30", "must be 1 or more"),
        ("RECOTRACK_SECRETARIAT_EMAIL", "registrator", "must be one e-mail address"),
        ("RECOTRACK_SECRETARIAT_EMAIL", "a@esv.se, b@esv.se", "must be one e-mail address"),
        ("RECOTRACK_DIGEST_WEEKDAY", "måndag", "must be a day of the week in English"),
        ("RECOTRACK_REMINDER_TIME", "7", "must be a time of day HH:MM"),
        ("RECOTRACK_REMINDER_TIME", "24:00", "must be a time of day HH:MM"),
    ],
)
def test_bad_values_are_named(name: str, value: str, error: str) -> None:
    with pytest.raises(ValueError, match=name) as raised:
        Settings.from_env({name: value})
    assert error in str(raised.value)
