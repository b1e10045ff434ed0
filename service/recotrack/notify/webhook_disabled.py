"""The mail that tells an agency (or the secretariat) that the service disabled one of its
webhook subscriptions: Swedish first, English below; plain text and HTML.

Pure: what to say is all in the `Disabled`; who sends and who receives are given.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import Message

from recotrack.notify.reminder import Text, compose


@dataclass(frozen=True, slots=True)
class Disabled:
    webhook_id: str
    url: str
    owner: str
    """The agency's name, or the secretariat's for its own subscriptions."""
    seq: int
    """The change that could not be delivered."""
    attempts: int
    reason: str


def text_of(notice: Disabled, *, public_url: str) -> Text:
    api = f"{public_url.rstrip('/')}/v1/webhooks/{notice.webhook_id}"
    sv = [
        "Hej!",
        f"RecoTrack har stängt av webhooken {notice.url} för {notice.owner}: ändring nummer "
        f"{notice.seq} kunde inte levereras på {notice.attempts} försök.",
        f"Senaste felet: {notice.reason}",
        "Inget skickas dit förrän den slås på igen (PATCH med active: true). Då fortsätter "
        "leveranserna med den ändring som inte kom fram, i ordning; inget går förlorat.",
        f"Leveransloggen: {api}/deliveries",
    ]
    en = [
        "Hello,",
        f"RecoTrack has disabled the webhook {notice.url} of {notice.owner}: change number "
        f"{notice.seq} could not be delivered in {notice.attempts} attempts.",
        f"The last error: {notice.reason}",
        "Nothing is sent there until it is enabled again (PATCH with active: true). "
        "Deliveries then go on, in order, from the change that did not arrive; nothing is lost.",
        f"The delivery log: {api}/deliveries",
    ]
    footer = "Detta är ett automatiskt meddelande. / This is an automatic message."
    plain = "\n\n".join([*sv, "— In English —", *en, footer])
    swedish = "\n".join(f"<p>{html.escape(p)}</p>" for p in sv)
    english = "\n".join(f"<p>{html.escape(p)}</p>" for p in en)
    subject = "Webhook avstängd / Webhook disabled"
    body = (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{subject}</title></head><body>\n{swedish}\n<hr>\n"
        f'<div lang="en">\n{english}\n</div>\n<p><small>{footer}</small></p>\n</body></html>\n'
    )
    return Text(subject=f"{subject}: {notice.url}", plain=plain + "\n", html=body)


def message(notice: Disabled, *, public_url: str, sender: str, recipients: list[str]) -> Message:
    """The notice as a mail from `sender` to `recipients`, made as every mail of ours is."""
    return compose(text_of(notice, public_url=public_url), sender=sender, recipients=recipients)
