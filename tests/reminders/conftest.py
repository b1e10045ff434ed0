from tests.reminders.support import smtp

__all__ = ["smtp"]
