"""What the demo data set is made of: real agencies, their investments, and the words of
recommendations, responses and progress notes in Swedish, after the interview the project grew
from; and how many recommendations meet which fate."""

from __future__ import annotations

from typing import Literal

from recotrack_sdk.models import Area

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

Fate = Literal["draft", "issued", "responded", "in_progress", "implemented", "closed"]
FATES: list[tuple[Fate, int]] = [
    ("draft", 6),
    ("issued", 10),
    ("responded", 18),
    ("in_progress", 26),
    ("implemented", 14),
    ("closed", 26),
]
