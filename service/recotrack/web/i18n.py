"""The dashboard's words in Swedish (the default) and English, and Swedish dates and numbers.

Dates are written the Swedish way in both languages: `2026-03-14` in tables (the Swedish
standard form) and `14 mars 2026` / `14 March 2026` in running text.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from recotrack.domain.benchmarks import MIN_GROUP, SUPPRESSED_WHY
from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.domain.vocabulary import AREA_LABELS_SV, Area

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
DEFAULT_LANG: Lang = "sv"

_MONTHS = {
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

# (Swedish, English) for every piece of interface text.
TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Rekommendationsuppföljning", "Recommendation tracker"),
    "skip": ("Hoppa till huvudinnehållet", "Skip to main content"),
    "nav": ("Huvudmeny", "Main menu"),
    "overview": ("Översikt", "Overview"),
    "recommendations": ("Rekommendationer", "Recommendations"),
    "recommendation": ("Rekommendation", "Recommendation"),
    "sign_in": ("Logga in", "Sign in"),
    "sign_out": ("Logga ut", "Sign out"),
    "signed_in_as": ("Inloggad som", "Signed in as"),
    "language": ("Språk", "Language"),
    "other_language": ("In English", "På svenska"),
    "token": ("API-token", "API token"),
    "token_help": (
        "Klistra in din token (den börjar med rt_). Den sparas inte i webbläsaren: du får en "
        "session som upphör när du loggar ut, efter en arbetsdag eller om token återkallas.",
        "Paste your token (it starts with rt_). It is not kept in the browser: you get a "
        "session that ends when you sign out, after a working day, or when the token is revoked.",
    ),
    "sign_in_intro": (
        "Översikten visar var rekommendationerna till myndigheterna står.",
        "The overview shows where the recommendations to the agencies stand.",
    ),
    "bad_token": (
        "Token är okänd eller återkallad. Kontrollera att du klistrat in hela token.",
        "The token is unknown or revoked. Check that you pasted the whole token.",
    ),
    "session_ended": (
        "Din session har upphört. Logga in igen.",
        "Your session has ended. Please sign in again.",
    ),
    "signed_out": ("Du är utloggad.", "You are signed out."),
    "error": ("Fel", "Error"),
    "error_title_400": ("Felaktig begäran", "Bad request"),
    "error_title_403": ("Inte tillåtet", "Not allowed"),
    "error_title_404": ("Hittades inte", "Not found"),
    "error_title_500": ("Något gick fel", "Something went wrong"),
    "error_404": (
        "Sidan eller rekommendationen finns inte, eller så får du inte se den.",
        "The page or recommendation does not exist, or you may not see it.",
    ),
    "error_403": (
        "Begäran kom inte från den här webbplatsen.",
        "The request did not come from this site.",
    ),
    "error_500": (
        "Ett oväntat fel inträffade. Försök igen om en stund.",
        "An unexpected error occurred. Please try again shortly.",
    ),
    "back_to_overview": ("Till översikten", "Back to the overview"),
    "time_zone": (
        "Tider i svensk tid (Europe/Stockholm). Nedladdade filer anger tider i UTC.",
        "Times in Swedish time (Europe/Stockholm). Downloaded files give times in UTC.",
    ),
    # overview
    "all_agencies": ("Alla myndigheter", "All agencies"),
    "figures": ("Nyckeltal", "Key figures"),
    "total": ("Totalt", "Total"),
    "overdue": ("Försenade", "Overdue"),
    "overdue_one": ("Försenad", "Overdue"),
    "implemented_share": ("Andel genomförda", "Share implemented"),
    "median_response": ("Median dagar till svar", "Median days to response"),
    "median_implementation": ("Median dagar till genomförande", "Median days to implementation"),
    "none_yet": ("–", "–"),
    "by_agency": ("Läget per myndighet", "Status by agency"),
    "by_agency_caption": (
        "Antal rekommendationer per myndighet och status.",
        "Number of recommendations by agency and status.",
    ),
    "agency": ("Myndighet", "Agency"),
    "state_by_agency": ("Status per myndighet", "Status by agency"),
    "state_by_agency_desc": (
        "Staplade liggande staplar: en stapel per myndighet, uppdelad efter status i "
        "teckenförklaringens ordning, med antalet i varje del och totalen efter stapeln.",
        "Stacked horizontal bars: one bar per agency, divided by status in the order of the "
        "legend, with the number in each part and the total after the bar.",
    ),
    "state_by_area": ("Status per område", "Status by area"),
    "state_by_area_desc": (
        "Staplade liggande staplar: en stapel för vart och ett av de fem områdena, uppdelad "
        "efter status, med antalet i varje del och totalen efter stapeln.",
        "Stacked horizontal bars: one bar for each of the five areas, divided by status, with "
        "the number in each part and the total after the bar.",
    ),
    "area": ("Område", "Area"),
    "over_time": ("Genomförande över tid", "Implementation over time"),
    "over_time_desc": (
        "Stapelpar per kvartal: utfärdade rekommendationer (hel fyllning) och avslutade "
        "(randig fyllning), med antalet över varje stapel.",
        "Pairs of bars per quarter: recommendations issued (solid) and closed (striped), with "
        "the number above each bar.",
    ),
    "quarter": ("Kvartal", "Quarter"),
    "quarter_short": ("K", "Q"),
    "issued_count": ("Utfärdade", "Issued"),
    "closed_count": ("Avslutade", "Closed"),
    "closed_note": (
        "Avslutade räknas i det kvartal då kansliet avslutade dem.",
        "Closed ones count in the quarter in which the secretariat closed them.",
    ),
    "show_table": ("Visa som tabell", "Show as a table"),
    "legend": ("Teckenförklaring", "Legend"),
    "no_data": ("Inga rekommendationer ännu.", "No recommendations yet."),
    "list_for_agency": ("Rekommendationer till {name}", "Recommendations to {name}"),
    # list
    "filters": ("Filter", "Filters"),
    "search": ("Sök i text", "Search text"),
    "search_help": (
        "Söker i kod, rubrik, text, myndighetens svar och lägesrapporter.",
        "Searches code, title, text, the agency's response and progress reports.",
    ),
    "any": ("Alla", "Any"),
    "only_overdue": ("Endast försenade", "Overdue only"),
    "not_overdue": ("Ej försenade", "Not overdue"),
    "priority": ("Prioritet", "Priority"),
    "state": ("Status", "Status"),
    "issued_from": ("Utfärdad från och med", "Issued on or after"),
    "issued_to": ("Utfärdad till och med", "Issued on or before"),
    "due_before": ("Förfaller före", "Due before"),
    "sort": ("Sortering", "Order"),
    "sort_default": (
        "Standard (bäst träff vid sökning)",
        "Default (best match when searching)",
    ),
    "sort_created": ("Som de skapades", "As created"),
    "sort_relevance": ("Bäst träff (vid sökning)", "Best match (searching)"),
    "sort_code": ("Kod", "Code"),
    "sort_-code": ("Kod, omvänd", "Code, reversed"),
    "sort_issued_on": ("Utfärdad, äldst först", "Issued, oldest first"),
    "sort_-issued_on": ("Utfärdad, senast först", "Issued, newest first"),
    "sort_response_due": ("Svar senast, tidigast först", "Response due, soonest first"),
    "sort_-response_due": ("Svar senast, senast först", "Response due, latest first"),
    "sort_implementation_due": (
        "Genomförande senast, tidigast först",
        "Implementation due, soonest first",
    ),
    "sort_-implementation_due": (
        "Genomförande senast, senast först",
        "Implementation due, latest first",
    ),
    "apply": ("Filtrera", "Apply filters"),
    "clear": ("Rensa filter", "Clear filters"),
    "results": ("Resultat", "Results"),
    "no_results": (
        "Inga rekommendationer matchar filtret.",
        "No recommendations match the filters.",
    ),
    "next_page": ("Nästa sida", "Next page"),
    "previous_page": ("Föregående sida", "Previous page"),
    "pages": ("Sidor", "Pages"),
    "matching": ("{n} rekommendationer matchar", "{n} recommendations match"),
    "matching_one": ("1 rekommendation matchar", "1 recommendation matches"),
    "first_page": ("Första sidan", "First page"),
    "page_size": ("{n} per sida", "{n} per page"),
    "export": ("Ladda ner urvalet", "Download the selection"),
    "export_csv": ("CSV (Excel)", "CSV (Excel)"),
    "export_xlsx": ("Excel-arbetsbok (XLSX)", "Excel workbook (XLSX)"),
    "code": ("Kod", "Code"),
    "title": ("Rubrik", "Title"),
    "issued_on": ("Utfärdad", "Issued"),
    "response_due": ("Svar senast", "Response due"),
    "implementation_due": ("Genomförande senast", "Implementation due"),
    "yes": ("Ja", "Yes"),
    "no": ("Nej", "No"),
    # recommendation
    "facts": ("Uppgifter", "Details"),
    "investment": ("Investering", "Investment"),
    "review": ("Granskning", "Review"),
    "diarienummer": ("Diarienummer", "Case number"),
    "not_issued": ("Inte utfärdad (utkast)", "Not issued (draft)"),
    "text": ("Rekommendationen", "The recommendation"),
    "response": ("Myndighetens svar", "The agency's response"),
    "no_response": ("Myndigheten har inte svarat än.", "The agency has not responded yet."),
    "decision": ("Beslut", "Decision"),
    "rationale": ("Motivering", "Rationale"),
    "planned_actions": ("Planerade åtgärder", "Planned actions"),
    "target_date": ("Måldatum", "Target date"),
    "responded_by": ("Besvarad av", "Responded by"),
    "target_history": ("Måldatumets historik", "History of the target date"),
    "changed_at": ("Ändrat", "Changed"),
    "previous": ("Tidigare", "Previous"),
    "new": ("Nytt", "New"),
    "reason": ("Skäl", "Reason"),
    "status_now": ("Läget", "Current status"),
    "reported_status": ("Myndighetens senaste rapport", "The agency's latest report"),
    "assessed_status": ("Kansliets senaste bedömning", "The secretariat's latest assessment"),
    "disagree": (
        "Myndighetens rapport och kansliets bedömning skiljer sig åt.",
        "The agency's report and the secretariat's assessment differ.",
    ),
    "timeline": ("Tidslinje", "Timeline"),
    "ev_issued": ("Utfärdad", "Issued"),
    "ev_response": ("Myndigheten svarade", "The agency responded"),
    "ev_target": ("Måldatum flyttat", "Target date moved"),
    "ev_target_set": ("Måldatum satt", "Target date set"),
    "first_target": ("Första måldatum", "First target date"),
    "ev_progress": ("Lägesrapport från myndigheten", "Progress report from the agency"),
    "ev_assessment": ("Kansliets bedömning", "The secretariat's assessment"),
    "ev_closure": ("Avslutad av kansliet", "Closed by the secretariat"),
    "percent_complete": ("{n} % klart", "{n} % complete"),
    "evidence": ("Underlag", "Evidence"),
    "closure": ("Avslut", "Closure"),
    "not_closed": ("Rekommendationen är inte avslutad.", "The recommendation is not closed."),
    "outcome": ("Utfall", "Outcome"),
    "note": ("Kommentar", "Note"),
    "closed_at": ("Avslutad", "Closed"),
    "downloads": ("Nedladdningar", "Downloads"),
    # the public catalogue (/public/)
    "public_app": ("Expertgruppens rekommendationer", "The expert group's recommendations"),
    "public_intro": (
        "Expertgruppen för digitala investeringar ger myndigheter en andra bedömning av deras "
        "digitala investeringar och lämnar rekommendationer. Här finns de rekommendationer som "
        "publicerats, med myndigheternas svar och uppföljningen. Uppgifter som omfattas av "
        "sekretess är ersatta med en upplysning om vilken bestämmelse som gäller.",
        "The expert group for digital investments gives agencies a second opinion on their "
        "digital investments and issues recommendations. Here are the recommendations that "
        "have been published, with the agencies' responses and the follow-up. Information "
        "covered by secrecy is replaced by a notice naming the provision that applies.",
    ),
    "public_list": ("Publicerade rekommendationer", "Published recommendations"),
    "public_search_help": (
        "Söker i kod, rubrik, text, myndighetens svar och lägesrapporter, i det som visas här.",
        "Searches code, title, text, the agency's response and progress reports, in what is "
        "shown here.",
    ),
    "public_sort_default": ("Senast utfärdad först", "Newest first"),
    "feed": ("Nyhetsflöde (Atom)", "News feed (Atom)"),
    "feed_title": (
        "Expertgruppens rekommendationer: senast utfärdade",
        "The expert group's recommendations: newest",
    ),
    "withheld_fields": ("Utelämnade uppgifter", "Information withheld"),
    "withheld_intro": (
        "Följande uppgifter omfattas av sekretess och har utelämnats:",
        "The following information is covered by secrecy and has been withheld:",
    ),
    "ground": ("Grund", "Ground"),
    "field_title": ("Rubrik", "Title"),
    "field_body": ("Text", "Text"),
    "field_response.rationale": ("Svarets motivering", "The response's rationale"),
    "field_response.planned_actions": ("Planerade åtgärder", "Planned actions"),
    "field_progress.note": ("Lägesrapporternas kommentarer", "The progress reports' notes"),
    "field_progress.evidence": ("Lägesrapporternas underlag", "The progress reports' evidence"),
    "field_assessment.note": ("Bedömningarnas kommentarer", "The assessments' notes"),
    "field_closure.note": ("Avslutets kommentar", "The closure's note"),
    "progress_reports": ("Lägesrapporter", "Progress reports"),
    "assessments": ("Kansliets bedömningar", "The secretariat's assessments"),
    "no_progress": ("Inga lägesrapporter ännu.", "No progress reports yet."),
    "back_to_catalogue": ("Till rekommendationerna", "Back to the recommendations"),
    "error_404_public": (
        "Sidan eller rekommendationen finns inte, eller så är den inte publicerad.",
        "The page or recommendation does not exist, or it is not published.",
    ),
    "error_title_429": ("För många förfrågningar", "Too many requests"),
    "about_data": (
        "Uppgifterna kommer från expertgruppens system för uppföljning av rekommendationer. "
        "Den som vill ha fler allmänna handlingar kan begära ut dem från kansliet.",
        "The information comes from the expert group's system for following up "
        "recommendations. Anyone who wants further public records may request them from the "
        "secretariat.",
    ),
    # why a filter of the list is refused (the dashboard's 400)
    "bad_filter": ("ogiltigt värde", "not a valid value"),
    "bad_filter_values": ("högst {n} värden", "at most {n} values"),
    "bad_filter_length": ("högst {n} tecken", "at most {n} characters"),
    "bad_filter_one": ("ange bara ett värde", "give one value only"),
    "bad_filter_choice": (
        "okänt värde '{value}'; välj ett av {choices}",
        "unknown value '{value}'; choose one of {choices}",
    ),
    "bad_filter_date": (
        "inte ett datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-01-15",
        "not a date; write YYYY-MM-DD, such as 2026-01-15",
    ),
    "bad_filter_bool": ("skriv true (ja) eller false (nej)", "write true (yes) or false (no)"),
    # benchmarks
    "benchmarks": ("Jämförelser", "Benchmarks"),
    "benchmarks_intro": (
        "Myndighetens siffror per område, bredvid alla andra myndigheter tillsammans: hur "
        "många de är, och medianen och kvartilerna av deras siffror. Räknat på utfärdade "
        "rekommendationer.",
        "The agency's figures by area, beside all other agencies together: how many they are, "
        "and the median and quartiles of their figures. Counted over issued recommendations.",
    ),
    "benchmarks_rule": (
        "De andra myndigheternas siffror visas bara som median och kvartiler, och bara där "
        "minst {n} andra myndigheter har siffran, så att ingen enskild myndighets siffra går "
        "att räkna ut.",
        "The other agencies' figures are shown only as the median and quartiles, and only where "
        "at least {n} other agencies have the figure, so that no single agency's figure can be "
        "worked out.",
    ),
    "choose_agency": ("Välj myndighet", "Choose an agency"),
    "choose_agency_first": (
        "Välj en myndighet för att se dess siffror bredvid alla andra myndigheters.",
        "Choose an agency to see its figures beside those of all other agencies.",
    ),
    "show": ("Visa", "Show"),
    "overdue_share": ("Andel försenade", "Share overdue"),
    "open_count": ("Öppna rekommendationer", "Open recommendations"),
    "bm_implemented_share": (
        "Avslutade som genomförda, av de utfärdade som inte ersatts eller återkallats.",
        "Closed as implemented, of those issued and not superseded or withdrawn.",
    ),
    "bm_median_days_to_response": (
        "Dagar från utfärdande till myndighetens svar (medianen av myndighetens rekommendationer).",
        "Days from issue to the agency's response (the median of the agency's recommendations).",
    ),
    "bm_overdue_share": (
        "Försenade, av de utfärdade som inte är avslutade (svenska arbetsdagar).",
        "Overdue, of those issued and not closed (Swedish working days).",
    ),
    "bm_open_count": ("Utfärdade och inte avslutade.", "Issued and not closed."),
    "bm_caption": (
        "{figure} per område: {name} och alla andra myndigheter tillsammans.",
        "{figure} by area: {name} and all other agencies together.",
    ),
    "other_agencies": ("Antal andra myndigheter", "Number of other agencies"),
    "lower_quartile": ("Nedre kvartil", "Lower quartile"),
    "median": ("Median", "Median"),
    "upper_quartile": ("Övre kvartil", "Upper quartile"),
    "withheld": ("Visas inte", "Withheld"),
    "withheld_why": (
        f"färre än {MIN_GROUP} andra myndigheter har den här siffran: en jämförelse med dem "
        "skulle avslöja en enskild myndighets siffra",
        SUPPRESSED_WHY,
    ),
    # good examples
    "good_examples": ("Goda exempel", "Good examples"),
    "good_examples_intro": (
        "Exempel som kansliet har lyft fram för alla myndigheter att lära av. Myndigheten "
        "nämns bara när den har gått med på det.",
        "Examples the secretariat has lifted out for every agency to learn from. The agency is "
        "named only when it agreed to be.",
    ),
    "all_areas": ("Alla områden", "All areas"),
    "an_agency": ("en myndighet", "an agency"),
    "examples": ("Exempel", "Examples"),
    "no_good_examples": ("Inga goda exempel ännu.", "No good examples yet."),
    "no_good_examples_area": (
        "Inga goda exempel inom det här området.",
        "No good examples in this area.",
    ),
}

_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "state": {
        "draft": ("Utkast", "Draft"),
        "issued": ("Utfärdad", "Issued"),
        "responded": ("Besvarad", "Responded"),
        "in_progress": ("Pågår", "In progress"),
        "implemented": ("Rapporterat genomförd", "Reported implemented"),
        "closed": ("Avslutad", "Closed"),
    },
    "area": {
        area.value: (label[0].upper() + label[1:], area.value.replace("_", " ").capitalize())
        for area, label in AREA_LABELS_SV.items()
    },
    "priority": {
        "high": ("Hög", "High"),
        "medium": ("Medel", "Medium"),
        "low": ("Låg", "Low"),
    },
    "decision": {
        "accepted": ("Accepterad", "Accepted"),
        "partially_accepted": ("Delvis accepterad", "Partially accepted"),
        "rejected": ("Avvisad", "Rejected"),
        "under_consideration": ("Under beredning", "Under consideration"),
    },
    "status": {
        "not_started": ("Inte påbörjad", "Not started"),
        "in_progress": ("Pågår", "In progress"),
        "implemented": ("Genomförd", "Implemented"),
        "partially_implemented": ("Delvis genomförd", "Partially implemented"),
        "not_implemented": ("Inte genomförd", "Not implemented"),
    },
    "outcome": {
        "implemented": ("Genomförd", "Implemented"),
        "not_implemented": ("Inte genomförd", "Not implemented"),
        "superseded": ("Ersatt", "Superseded"),
        "withdrawn": ("Återkallad", "Withdrawn"),
    },
    "role": {
        "secretariat": ("kansliet", "the secretariat"),
        "agency": ("myndighet", "agency"),
        "auditor": ("revisor", "auditor"),
    },
}
assert set(_LABELS["area"]) == {a.value for a in Area}


class Words:
    """The interface text in one language, as templates use it."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._index = LANGS.index(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text

    def label(self, kind: str, value: str | None) -> str:
        """A vocabulary value's label (a state, area, priority, decision, …)."""
        if value is None:
            return ""
        pair = _LABELS[kind].get(value)
        return value if pair is None else pair[self._index]

    def date(self, value: dt.date | None) -> str:
        """The Swedish numeric form, `2026-03-14`, in both languages."""
        return "" if value is None else value.isoformat()

    def long_date(self, value: dt.date | dt.datetime | None) -> str:
        """`14 mars 2026` / `14 March 2026`."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(STOCKHOLM).date()
        return f"{value.day} {_MONTHS[self.lang][value.month - 1]} {value.year}"

    def moment(self, value: dt.datetime | None) -> str:
        """A point in time in Swedish time: `2026-03-14 13:05`."""
        if value is None:
            return ""
        return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")

    def number(self, value: float | None, decimals: int = 0) -> str:
        """Swedish number style (a space between thousands, a decimal comma) in Swedish."""
        if value is None:
            return self("none_yet")
        text = f"{value:,.{decimals}f}"
        if self.lang == "sv":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text

    def percent(self, share: float | None) -> str:
        if share is None:
            return self("none_yet")
        return f"{self.number(share * 100)}\u00a0%"

    def quarter(self, first_day: dt.date) -> str:
        """`2026 K1` / `2026 Q1`."""
        return f"{first_day.year} {self('quarter_short')}{(first_day.month - 1) // 3 + 1}"


def pick_lang(query: str | None, cookie: str | None) -> Lang:
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG
