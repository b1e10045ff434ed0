"""What the demo data set is made of: real agencies, their investments, and the words of
recommendations, responses, progress notes, assessments and closures in Swedish, after the
interview the project grew from. How they come to pass is `history`."""

from __future__ import annotations

from recotrack_sdk.models import Area, ClosureOutcome, ProgressStatus

ACTOR = "system:demo"
SEED = 2017  # the year the expert group was set up

AGENCIES: list[tuple[str, str, str, str]] = [
    ("skatteverket", "Skatteverket", "202100-5448", "SKV"),
    ("forsakringskassan", "Försäkringskassan", "202100-5521", "FK"),
    ("lantmateriet", "Lantmäteriet", "202100-4888", "LM"),
    ("arbetsformedlingen", "Arbetsförmedlingen", "202100-2114", "AF"),
    ("polismyndigheten", "Polismyndigheten", "202100-0076", "PM"),
    ("trafikverket", "Trafikverket", "202100-6297", "TRV"),
    ("csn", "Centrala studiestödsnämnden", "202100-1819", "CSN"),
    ("bolagsverket", "Bolagsverket", "202100-5489", "BV"),
    ("migrationsverket", "Migrationsverket", "202100-2163", "MV"),
    ("pensionsmyndigheten", "Pensionsmyndigheten", "202100-6230", "PEN"),
]

INVESTMENTS = [
    "Nytt ärendehanteringssystem",
    "Digital självbetjäning för privatpersoner",
    "Modernisering av kärnsystemet",
    "Gemensam plattform för informationsutbyte",
    "Ersättning av äldre stordriftsmiljö",
    "Automatiserad handläggning av ansökningar",
    "Ny e-tjänst för företag",
    "Förflyttning till molnbaserad drift",
]

TITLES: dict[Area, list[str]] = {
    "ways_of_working": [
        "Inför tvärfunktionella team där verksamhet och it arbetar tillsammans",
        "Flytta fokus från processer till leveranser",
        "Leverera i mindre steg och oftare",
        "Driv mer utveckling i linjen i stället för i projekt",
        "Inför gemensamma arbetssätt för behovsägare och utvecklare",
    ],
    "governance": [
        "Anpassa portföljstyrningen till kontinuerlig utveckling",
        "Förtydliga ledningens ansvar för nyttorealisering",
        "Anpassa lånefinansieringen till ett agilt arbetssätt",
        "Inför beslutspunkter baserade på levererad nytta",
        "Stärk styrgruppens mandat och sammansättning",
    ],
    "competence": [
        "Säkra kompetensförsörjningen inom arkitektur",
        "Bygg upp egen kompetens för produktägarskap",
        "Minska beroendet av konsulter i kritiska roller",
        "Ta fram en kompetensplan för den digitala förändringen",
        "Utbilda ledningen i styrning av utvecklingsverksamhet",
    ],
    "results": [
        "Mät och följ upp nyttor löpande",
        "Definiera mätbara effektmål för investeringen",
        "Redovisa uppnådda nyttor för myndighetens ledning",
        "Utvärdera leveranserna mot verksamhetens behov",
        "Följ upp långsiktiga nyttor även efter avslutad leverans",
    ],
    "enabling_conditions": [
        "Ta fram en plan för teknisk förnyelse av äldre system",
        "Frigör budget som i dag binds av underhåll",
        "Säkerställ en gemensam informationsförsörjning",
        "Samverka med andra myndigheter kring gemensamma lösningar",
        "Skapa en målarkitektur som styr investeringarna",
    ],
}

BODY = (
    "Expertgruppen har i sin *second opinion* sett att {agency} har goda förutsättningar, men "
    "att investeringen **{investment}** riskerar att inte ge avsedd nytta.\n\n"
    "Rekommendationen: {title_lower}. Ansvaret ligger hos myndighetens ledning; kansliet följer "
    "upp i dialog med myndigheten."
)

RATIONALES = [
    "Myndigheten delar bedömningen i stort men saknar budget för hela åtgärden i år.",
    "Ledningen bedömer att nuvarande styrning redan täcker behovet.",
    "Åtgärden genomförs delvis inom ramen för ett pågående förändringsarbete.",
    "Frågan hanteras i regeringsuppdraget om förvaltningsgemensam digitalisering.",
]
ACTIONS = [
    "Tillsätt en produktägare med mandat",
    "Ta fram en plan för nyttohemtagning",
    "Inför kvartalsvisa uppföljningar i ledningsgruppen",
    "Rekrytera två arkitekter",
    "Genomför en förstudie om teknisk förnyelse",
    "Förankra arbetssättet i samtliga avdelningar",
]
NOTES = [
    "Arbetet har påbörjats och en första leverans är gjord.",
    "Förstudien är klar; upphandlingen pågår.",
    "Teamen är bemannade och arbetar enligt det nya arbetssättet.",
    "Förseningar på grund av överprövad upphandling.",
    "Ledningsgruppen har fattat beslut om ny styrmodell.",
    "Nyttorna följs nu upp varje kvartal i verksamhetsplaneringen.",
]
PEOPLE = ["Åsa Lindström", "Göran Öberg", "Märta Håkansson", "Björn Åkesson", "Linnéa Söderberg"]

NOT_STARTED = [
    "Arbetet är planerat till nästa verksamhetsår; en ansvarig är utsedd.",
    "Rekommendationen är förankrad i ledningsgruppen; arbetet startar nästa kvartal.",
    "Vi väntar på beslut om finansiering innan arbetet kan starta.",
]
IMPLEMENTED = [
    "Åtgärderna är genomförda och redovisade för ledningsgruppen.",
    "Det nya arbetssättet gäller nu i hela organisationen; uppföljning sker i linjen.",
    "Styrmodellen är beslutad och tillämpas i portföljen sedan förra kvartalet.",
    "Rekryteringarna är klara och rollerna bemannade.",
]
NOT_IMPLEMENTED = [
    "Arbetet har avbrutits efter omprioriteringar i budgetarbetet.",
    "Ledningen har beslutat att inte gå vidare med åtgärden i nuvarande form.",
]
SLIP_REASONS = [
    "Upphandlingen har överprövats och försenats.",
    "Rekryteringen av nyckelkompetenser har tagit längre tid än planerat.",
    "Ledningen har omprioriterat årets budget till förmån för driftsäkerhet.",
    "Arbetet beror på en leverans från en annan myndighet som har försenats.",
]
ASSESSMENT_NOTES: dict[ProgressStatus, str] = {
    "in_progress": "Kansliets bedömning efter uppföljningsmöte med myndigheten.",
    "partially_implemented": (
        "Kansliet bedömer att delar av åtgärderna återstår; ledningens uppföljning saknas ännu."
    ),
    "implemented": "Kansliet har tagit del av underlaget och bedömer åtgärderna som genomförda.",
}
CLOSURE_NOTES: dict[ClosureOutcome, str] = {
    "implemented": "Verifierat av kansliet vid uppföljning.",
    "not_implemented": (
        "Myndigheten genomför inte rekommendationen; kansliet avslutar uppföljningen."
    ),
    "superseded": "Ersatt av en rekommendation i en senare granskning av samma investering.",
    "withdrawn": "Återkallad: investeringen har avbrutits av myndighetens ledning.",
}

# What the secretariat lifts out, and what secrecy covers, on the demo's own recommendations
# (the first few that fit: `load_demo`'s last step).
GOOD_EXAMPLES: list[tuple[str, str, bool]] = [
    (
        "Ett produktteam som äger hela flödet",
        "Myndigheten samlade verksamhet, it och förvaltning i **ett team per produkt** med en "
        "gemensam backlogg. Ledtiden från behov till leverans halverades på ett år.\n\n"
        "- behovsägaren sitter i teamet\n- leveranser varannan vecka\n"
        "- uppföljning på nytta, inte på aktiviteter",
        True,
    ),
    (
        "Nyttorealisering som följs upp varje kvartal",
        "Ledningsgruppen följer **realiserad nytta** varje kvartal i stället för projektens "
        "tidplaner, och beslutar om att stoppa det som inte ger effekt.",
        True,
    ),
    (
        "Kompetensförsörjning i egen regi",
        "I stället för konsulter byggde myndigheten upp egna utvecklare genom ett "
        "traineeprogram, vilket sänkte kostnaderna och minskade beroendet av leverantörer.",
        False,
    ),
]
SECRECY_GROUND = "18 kap. 8 § OSL"
"""Security measures for IT systems: the planned actions of the demo's few marked ones."""
SECRET_RECOMMENDATIONS = 4
