"""One reminder of a due date, as a mail: Swedish first, English below; plain text and HTML.

Pure: what to say is all in the `Reminder`; where the dashboard is and who sends are given.
Dates are written as Swedish days are (YYYY-MM-DD), in both languages. The date named is the
effective due date (`deadlines.effective_due`): the day the agency has, when the date set
falls on a day off; the date set is named beside it then.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import cast
from urllib.parse import quote

from recotrack.domain.deadlines import effective_due
from recotrack.domain.reminders import Due, Step

__all__ = ["Due", "Reminder", "Step", "Text", "compose", "dashboard_link", "message", "text_of"]


@dataclass(frozen=True, slots=True)
class Reminder:
    recommendation_id: str
    code: str
    title: str
    agency_name: str
    due: Due
    due_date: dt.date
    """The date as set; the mail names its effective due date."""
    step: Step
    today: dt.date


@dataclass(frozen=True, slots=True)
class Text:
    """A mail's words, before they are a message: for a test or a dry run to read."""

    subject: str
    plain: str
    html: str


def dashboard_link(public_url: str, recommendation_id: str) -> str:
    """The recommendation's page on the dashboard, under the service's public address."""
    return f"{public_url.rstrip('/')}/dashboard/recommendations/{quote(recommendation_id, safe='')}"


def _days(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _sv(r: Reminder, effective: dt.date) -> tuple[str, list[str]]:
    what = "svara på" if r.due == "response" else "ha genomfört"
    shifted = f" ({r.due_date.isoformat()} är ingen arbetsdag)" if effective != r.due_date else ""
    left = (effective - r.today).days
    when = {
        "before": f"Det är {_days(left, 'dag', 'dagar')} kvar.",
        "due": "Det är i dag.",
        "overdue": f"Tiden gick ut för {_days(-left, 'dag', 'dagar')} sedan.",
        "escalation": f"Tiden gick ut för {_days(-left, 'dag', 'dagar')} sedan. Du får detta "
        "som kontakt i myndighetens ledning.",
    }[r.step]
    subject = {
        "before": "Påminnelse",
        "due": "Sista dag i dag",
        "overdue": "Försenad",
        "escalation": "Försenad, till ledningen",
    }[r.step]
    return (
        f"{subject}: {r.code}",
        [
            "Hej!",
            f"{r.agency_name} ska {what} rekommendationen {r.code} ”{r.title}” senast "
            f"{effective.isoformat()}{shifted}. {when}",
        ],
    )


def _en(r: Reminder, effective: dt.date) -> tuple[str, list[str]]:
    what = "respond to" if r.due == "response" else "implement"
    shifted = f" ({r.due_date.isoformat()} is not a working day)" if effective != r.due_date else ""
    left = (effective - r.today).days
    when = {
        "before": f"{_days(left, 'day', 'days')} to go.",
        "due": "That is today.",
        "overdue": f"It is {_days(-left, 'day', 'days')} overdue.",
        "escalation": f"It is {_days(-left, 'day', 'days')} overdue. You receive this as a "
        "contact in the agency's management.",
    }[r.step]
    subject = {
        "before": "Reminder",
        "due": "Due today",
        "overdue": "Overdue",
        "escalation": "Overdue, to management",
    }[r.step]
    return (
        f"{subject}: {r.code}",
        [
            "Hello,",
            f"{r.agency_name} is to {what} recommendation {r.code} “{r.title}” by "
            f"{effective.isoformat()}{shifted}. {when}",
        ],
    )


def text_of(reminder: Reminder, *, public_url: str) -> Text:
    """The reminder's subject and its two bodies."""
    effective = effective_due(reminder.due_date)
    sv_subject, sv = _sv(reminder, effective)
    en_subject, en = _en(reminder, effective)
    link = dashboard_link(public_url, reminder.recommendation_id)
    plain = "\n\n".join(
        [
            *sv,
            f"Rekommendationen i RecoTrack: {link}",
            "— In English —",
            *en,
            f"The recommendation in RecoTrack: {link}",
            "Detta är ett automatiskt meddelande. / This is an automatic message.",
        ]
    )
    href = html.escape(link, quote=True)
    swedish = "\n".join(f"<p>{html.escape(p)}</p>" for p in sv)
    english = "\n".join(f"<p>{html.escape(p)}</p>" for p in en)
    body = (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{html.escape(sv_subject)}</title></head><body>\n"
        f"{swedish}\n"
        f'<p><a href="{href}">Rekommendationen i RecoTrack</a></p>\n<hr>\n'
        f'<div lang="en">\n{english}\n'
        f'<p><a href="{href}">The recommendation in RecoTrack</a></p>\n</div>\n'
        "<p><small>Detta är ett automatiskt meddelande. / This is an automatic message."
        "</small></p>\n</body></html>\n"
    )
    return Text(subject=f"{sv_subject} / {en_subject}", plain=plain + "\n", html=body)


def message(reminder: Reminder, *, public_url: str, sender: str, recipients: list[str]) -> Message:
    """The reminder as a mail from `sender` to `recipients`: text and HTML alternatives."""
    return compose(text_of(reminder, public_url=public_url), sender=sender, recipients=recipients)


def compose(words: Text, *, sender: str, recipients: list[str]) -> Message:
    """A mail of the service's from `sender` to `recipients`: text and HTML alternatives.

    Built with the classic MIME classes rather than `EmailMessage`, whose header parsing
    made each mail cost about ten milliseconds: a pass sends thousands. What goes on the wire
    is the same to a reader (UTF-8 parts, an encoded subject)."""
    mail = MIMEMultipart("alternative")
    # a Header, which the classic classes encode as they write (typeshed allows only str)
    mail["Subject"] = cast(str, Header(words.subject, "utf-8"))
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Content-Language"] = "sv, en"
    # RFC 3834: no out-of-office answers, no loops with ticket systems
    mail["Auto-Submitted"] = "auto-generated"
    mail.attach(MIMEText(words.plain, "plain", "utf-8"))
    mail.attach(MIMEText(words.html, "html", "utf-8"))
    return mail
