"""What Twilio accepts in the TwiML a flow renders: voices, languages, text and name lengths.

Twilio plays a document it cannot use wrongly or not at all, in the middle of a call, so a flow
outside these lists is refused by `ivr check` and at start-up instead. Where each comes from:

- `<Say>` text limits: Twilio warning 13521 ("`<Say>` element character limits exceeded"):
  basic voices 4,096, Amazon Polly voices 3,000, Google voices 5,000 UTF-8 bytes, and the
  URL-encoded text at most 4,500 characters.
- Voices: the `voice` attribute of `<Say>` and Twilio's text-to-speech voice table
  (docs/voice/twiml/say/text-speech): `man`, `woman`, `alice`, `Polly.<Name>` (with `-Neural`
  or `-Generative` for those engines) and `Google.<locale>-<model>-<name>`. A voice with a
  language it does not speak "may result in error and `<Say>` instruction failure" (the `<Say>`
  reference), so each Polly name carries the locales that table gives it.
- Languages: the flow's one `language` goes on every `<Say>` and on the menu's `<Gather>`, so it
  must be both a `<Say>` locale (the voice table) and a `<Gather>` speech-recognition locale
  (the `<Gather>` language list; warning 13512 "Gather element has an invalid language").
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

BASIC_SAY_BYTES = 4096
POLLY_SAY_BYTES = 3000
GOOGLE_SAY_BYTES = 5000
MAX_SAY_URL_ENCODED = 4500

BASIC_VOICES = frozenset({"man", "woman", "alice"})


def _table(rows: str) -> dict[str, frozenset[str]]:
    """`locale: Name Name ...` rows as {name: locales}; a bilingual voice is on two rows."""
    voices: dict[str, set[str]] = {}
    for row in rows.strip().splitlines():
        locale, names = row.split(":")
        for name in names.split():
            voices.setdefault(name, set()).add(locale.strip())
    return {name: frozenset(locales) for name, locales in voices.items()}


# Amazon Polly voices Twilio offers, by the locale Twilio's voice table gives them.
POLLY_VOICES = _table(
    """
    arb: Zeina
    ar-AE: Hala Zayd
    ca-ES: Arlet
    cmn-CN: Zhiyu
    cs-CZ: Jitka
    cy-GB: Gwyneth
    da-DK: Mads Naja Sofie
    de-AT: Hannah
    de-DE: Daniel Hans Marlene Vicki
    en-AU: Nicole Olivia Russell
    en-GB: Amy Arthur Brian Emma
    en-GB-WLS: Geraint
    en-IE: Niamh
    en-IN: Aditi Kajal Raveena
    en-NZ: Aria
    en-US: Danielle Gregory Ivy Joanna Joey Justin Kendra Kevin Kimberly Matthew Ruth Salli Stephen
    en-ZA: Ayanda
    es-ES: Conchita Enrique Lucia Sergio
    es-MX: Andres Mia
    es-US: Lupe Miguel Pedro Penelope
    fi-FI: Suvi
    fr-BE: Isabelle
    fr-CA: Chantal Gabrielle Liam
    fr-FR: Celine Lea Mathieu Remi
    hi-IN: Aditi Kajal
    is-IS: Dora Karl
    it-IT: Adriano Bianca Carla Giorgio
    ja-JP: Kazuha Mizuki Takumi Tomoko
    ko-KR: Seoyeon
    nb-NO: Ida Liv
    nl-BE: Lisa
    nl-NL: Laura Lotte Ruben
    pl-PL: Ewa Jacek Jan Maja Ola
    pt-BR: Camila Ricardo Thiago Vitoria
    pt-PT: Cristiano Ines
    ro-RO: Carmen
    ru-RU: Maxim Tatyana
    sv-SE: Astrid Elin
    tr-TR: Burcu Filiz
    yue-CN: Hiujin
    """
)
# Twilio's table also spells these names with their accents.
POLLY_SPELLINGS = {
    "Céline": "Celine",
    "Dóra": "Dora",
    "Inês": "Ines",
    "Léa": "Lea",
    "Penélope": "Penelope",
    "Vitória": "Vitoria",
}

# Locales Twilio lists for <Say> (its voice table, alice's languages included).
SAY_LANGUAGES = frozenset(
    """af-ZA ar-AE ar-XA arb bg-BG bn-IN ca-ES cmn-CN cmn-TW cs-CZ cy-GB da-DK de-AT de-DE
    el-GR en-AU en-CA en-GB en-GB-WLS en-IE en-IN en-NZ en-US en-ZA es-ES es-MX es-US eu-ES
    fi-FI fil-PH fr-BE fr-CA fr-FR gl-ES gu-IN he-IL hi-IN hu-HU id-ID is-IS it-IT ja-JP kn-IN
    ko-KR lt-LT lv-LV ml-IN mr-IN ms-MY nb-NO nl-BE nl-NL pa-IN pl-PL pt-BR pt-PT ro-RO ru-RU
    sk-SK sr-RS sv-SE ta-IN te-IN th-TH tr-TR uk-UA vi-VN yue-CN yue-HK zh-CN zh-HK
    zh-TW""".split()  # noqa: SIM905 (kept in the documentation's form)
)
# Locales Twilio lists for <Gather> speech recognition.
GATHER_LANGUAGES = frozenset(
    """af-ZA am-ET ar-AE ar-BH ar-DZ ar-EG ar-IL ar-IQ ar-JO ar-KW ar-LB ar-MA ar-OM ar-PS
    ar-QA ar-SA ar-TN az-AZ bg-BG bn-BD bn-IN ca-ES cmn-Hans-CN cmn-Hans-HK cmn-Hant-TW cs-CZ
    da-DK de-DE el-GR en-AU en-CA en-GB en-GH en-IE en-IN en-KE en-NG en-NZ en-PH en-TZ en-US
    en-ZA es-AR es-BO es-CL es-CO es-CR es-DO es-EC es-ES es-GT es-HN es-MX es-NI es-PA es-PE
    es-PR es-PY es-SV es-US es-UY es-VE eu-ES fa-IR fi-FI fil-PH fr-CA fr-FR gl-ES gu-IN he-IL
    hi-IN hr-HR hu-HU hy-AM id-ID is-IS it-IT ja-JP jv-ID ka-GE km-KH kn-IN ko-KR lo-LA lt-LT
    lv-LV ml-IN mr-IN ms-MY nb-NO ne-NP nl-NL pl-PL pt-BR pt-PT ro-RO ru-RU si-LK sk-SK sl-SI
    sr-RS su-ID sv-SE sw-KE sw-TZ ta-IN ta-LK ta-MY ta-SG te-IN th-TH tr-TR uk-UA ur-IN ur-PK
    vi-VN yue-Hant-HK zu-ZA""".split()  # noqa: SIM905 (kept in the documentation's form)
)
# A flow's language is said and listened for: it must be in both lists.
LANGUAGES = SAY_LANGUAGES & GATHER_LANGUAGES

_POLLY = re.compile(r"^Polly\.(?P<name>[^\W\d_]+)(?P<engine>-Neural|-Generative)?$")
_GOOGLE = re.compile(
    r"^Google\.(?P<locale>[a-z]{2,3}-[A-Z]{2})-[A-Za-z0-9]+(?:-[A-Z]+)?-(?:[A-Z][a-z]*|\d+)$"
)


def voice_problem(voice: str) -> str | None:
    """Why Twilio would not know `voice`, or None if it does."""
    if voice in BASIC_VOICES or _GOOGLE.match(voice):
        return None
    polly = _POLLY.match(voice)
    if polly is None:
        return (
            f"{voice!r} is not a Twilio voice: use man, woman, alice, Polly.<Name> "
            "(optionally -Neural or -Generative) or Google.<locale>-<model>-<name>"
        )
    name = polly.group("name")
    if _polly_name(name) in POLLY_VOICES:
        return None
    message = f"{voice!r}: Twilio offers no Amazon Polly voice called {name!r}"
    if _polly_name(name.capitalize()) in POLLY_VOICES:
        message += f" (names are capitalised: Polly.{name.capitalize()})"
    return message


def language_problem(language: str) -> str | None:
    """Why `language` cannot be both said and listened for, or None if it can."""
    if language in LANGUAGES:
        return None
    if language in SAY_LANGUAGES:
        return (
            f"{language!r} is a <Say> language, but <Gather> does not recognise speech in it; "
            "the flow's language is used for both"
        )
    return f"{language!r} is not a language Twilio lists for <Say> and <Gather> (e.g. en-US, es-MX)"


def voice_language_problem(voice: str, language: str) -> str | None:
    """Why `voice` cannot speak `language`, or None (also when the voice is unknown)."""
    google = _GOOGLE.match(voice)
    polly = _POLLY.match(voice)
    if google:
        speaks = frozenset({google.group("locale")})
    elif polly and _polly_name(polly.group("name")) in POLLY_VOICES:
        speaks = POLLY_VOICES[_polly_name(polly.group("name"))]
    else:
        return None  # basic voices: Twilio maps each language to one of its own
    if language in speaks:
        return None
    return f"{voice} speaks {', '.join(sorted(speaks))}, not {language!r}"


def say_limit(voice: str | None) -> int:
    """The most UTF-8 bytes one <Say> may carry in `voice`.

    With no voice Twilio uses the account's default, which may be a Polly voice: the smallest
    limit of those is the one that holds whatever it is.
    """
    if voice in BASIC_VOICES:
        return BASIC_SAY_BYTES
    if voice is not None and voice.startswith("Google."):
        return GOOGLE_SAY_BYTES
    return POLLY_SAY_BYTES


def say_problem(text: str, voice: str | None) -> str | None:
    """Why one <Say> of `text` in `voice` is too long for Twilio, or None if it fits."""
    size, limit = len(text.encode()), say_limit(voice)
    if size > limit:
        takes = (
            f"{voice} takes" if voice else "Twilio's default voice may be a Polly one, which takes"
        )
        return f"{size} characters (UTF-8 bytes) in one <Say>; {takes} {limit}"
    encoded = len(quote_plus(text))
    if encoded > MAX_SAY_URL_ENCODED:
        return (
            f"{encoded} characters once URL-encoded in one <Say>; "
            f"Twilio takes {MAX_SAY_URL_ENCODED}"
        )
    return None


def _polly_name(name: str) -> str:
    return POLLY_SPELLINGS.get(name, name)
