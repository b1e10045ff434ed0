"""The secretariat's weekly digest, as a mail: what fell due in the past week and what was
overdue before it, Swedish first, English below; plain text and HTML.

Pure, as `reminder` is: the items are given, each with its effective due date (the working
day a date set on a day off moves to). A long list is cut at `MOST` items a section, with the
count of the rest and a link to the dashboard's list of what is overdue.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from email.message import Message

from recotrack.domain.reminders import Due
from recotrack.notify.reminder import Text, compose, dashboard_link

MOST = 200
"""Items a section names at most: a mail stays readable, the dashboard has the rest."""


@dataclass(frozen=True, slots=True)
class Item:
    recommendation_id: str
    code: str
    title: str
    agency_name: str
    due: Due
    effective_due: dt.date


@dataclass(frozen=True, slots=True)
class Digest:
    day: dt.date
    """The digest's day: "the past week" is the seven days up to and including it."""
    fell_due: list[Item]
    """Still open, due within the past week (today included)."""
    overdue: list[Item]
    """Still open, due before that."""


_WORDS = {
    "sv": {
        "subject": "Veckosammanställning",
        "hello": "Hej!",
        "intro": "Läget för rekommendationernas tidsfrister den {day}.",
        "fell_due": "Förföll den senaste veckan och är inte klart",
        "overdue": "Försenat sedan tidigare",
        "none": "Inget.",
        "response": "svar",
        "implementation": "genomförande",
        "due": "senast",
        "more": "… och {n} till:",
        "list": "alla försenade i RecoTrack",
    },
    "en": {
        "subject": "Weekly digest",
        "hello": "Hello,",
        "intro": "The recommendations' deadlines as they stand on {day}.",
        "fell_due": "Fell due in the past week and not done",
        "overdue": "Overdue from before",
        "none": "Nothing.",
        "response": "response",
        "implementation": "implementation",
        "due": "due",
        "more": "… and {n} more:",
        "list": "everything overdue in RecoTrack",
    },
}


def _about(item: Item, words: dict[str, str]) -> str:
    """All but the code: the title, the agency, what is due and when."""
    return (
        f"”{item.title}”, {item.agency_name}: {words[item.due]} {words['due']} "
        f"{item.effective_due.isoformat()}"
    )


def _plain(digest: Digest, lang: str, public_url: str, overdue_list: str) -> list[str]:
    words = _WORDS[lang]
    paragraphs = [words["hello"], words["intro"].format(day=digest.day.isoformat())]
    for key, items in (("fell_due", digest.fell_due), ("overdue", digest.overdue)):
        lines = [f"{words[key]} ({len(items)}):"]
        lines += [
            f"- {item.code} {_about(item, words)}\n"
            f"  {dashboard_link(public_url, item.recommendation_id)}"
            for item in items[:MOST]
        ]
        if len(items) > MOST:
            lines.append(f"{words['more'].format(n=len(items) - MOST)} {overdue_list}")
        if not items:
            lines.append(words["none"])
        paragraphs.append("\n".join(lines))
    return paragraphs


def _html(digest: Digest, lang: str, public_url: str, overdue_list: str) -> str:
    words = _WORDS[lang]
    parts = [
        f"<p>{html.escape(words['hello'])}</p>",
        f"<p>{html.escape(words['intro'].format(day=digest.day.isoformat()))}</p>",
    ]
    for key, items in (("fell_due", digest.fell_due), ("overdue", digest.overdue)):
        parts.append(f"<h2>{html.escape(words[key])} ({len(items)})</h2>")
        if not items:
            parts.append(f"<p>{html.escape(words['none'])}</p>")
            continue
        rows = "\n".join(
            f'<li><a href="{html.escape(dashboard_link(public_url, item.recommendation_id))}">'
            f"{html.escape(item.code)}</a> {html.escape(_about(item, words))}"
            "</li>"
            for item in items[:MOST]
        )
        parts.append(f"<ul>\n{rows}\n</ul>")
        if len(items) > MOST:
            more = html.escape(words["more"].format(n=len(items) - MOST))
            parts.append(
                f'<p>{more} <a href="{html.escape(overdue_list)}">'
                f"{html.escape(words['list'])}</a></p>"
            )
    return "\n".join(parts)


def text_of(digest: Digest, *, public_url: str) -> Text:
    """The digest's subject and its two bodies."""
    overdue_list = f"{public_url.rstrip('/')}/dashboard/recommendations?overdue=true"
    day = digest.day.isoformat()
    plain = "\n\n".join(
        [
            *_plain(digest, "sv", public_url, overdue_list),
            "— In English —",
            *_plain(digest, "en", public_url, overdue_list),
            "Detta är ett automatiskt meddelande. / This is an automatic message.",
        ]
    )
    sv_subject = f"{_WORDS['sv']['subject']} {day}"
    body = (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{html.escape(sv_subject)}</title></head><body>\n"
        f"{_html(digest, 'sv', public_url, overdue_list)}\n<hr>\n"
        f'<div lang="en">\n{_html(digest, "en", public_url, overdue_list)}\n</div>\n'
        "<p><small>Detta är ett automatiskt meddelande. / This is an automatic message."
        "</small></p>\n</body></html>\n"
    )
    return Text(
        subject=f"{sv_subject} / {_WORDS['en']['subject']} {day}", plain=plain + "\n", html=body
    )


def message(digest: Digest, *, public_url: str, sender: str, recipients: list[str]) -> Message:
    """The digest as a mail from `sender` to `recipients`: text and HTML alternatives."""
    return compose(text_of(digest, public_url=public_url), sender=sender, recipients=recipients)
