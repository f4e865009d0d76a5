"""What Twilio accepts in the TwiML a flow renders: voices, languages, text and name lengths.

From Twilio's documentation of `<Say>` and its text-to-speech voices, `<Gather>` languages and
`<Enqueue>`: a flow outside these is refused by `ivr check` and at start-up, because Twilio
would otherwise fail the call itself (errors 13520/13521, a silent or wrong-language prompt).
"""

from __future__ import annotations

import re

# Warning 13521: the longest text one <Say> may carry, in UTF-8 bytes, by kind of voice.
BASIC_SAY_BYTES = 4096
POLLY_SAY_BYTES = 3000
GOOGLE_SAY_BYTES = 5000
# <Enqueue>: "The queue name must be 64 characters or less in length."
MAX_QUEUE_NAME = 64

BASIC_VOICES = frozenset({"man", "woman", "alice"})
# Amazon Polly voice names Twilio offers as `Polly.<Name>`, `Polly.<Name>-Neural` or
# `Polly.<Name>-Generative`.
POLLY_NAMES = frozenset(
    """Aditi Adriano Amy Andres Aria Arlet Arthur Astrid Ayanda Bianca Brian Burcu Camila Carla
    Carmen Celine Chantal Conchita Cristiano Daniel Danielle Dora Elin Emma Enrique Ewa Filiz
    Gabrielle Geraint Giorgio Gregory Gwyneth Hala Hannah Hans Hiujin Ida Ines Isabelle Ivy
    Jacek Jan Jitka Joanna Joey Justin Kajal Karl Kazuha Kendra Kevin Kimberly Laura Lea Liam
    Lisa Liv Lotte Lucia Lupe Mads Maja Marlene Mathieu Matthew Maxim Mia Miguel Mizuki Naja
    Niamh Nicole Ola Olivia Pedro Penelope Raveena Remi Ricardo Ruben Russell Ruth Salli Seoyeon
    Sergio Sofie Stephen Suvi Takumi Tatyana Thiago Tomoko Vicki Vitoria Zayd Zeina Zhiyu""".split()  # noqa: SIM905 (kept as the documentation lists them)
)
_POLLY = re.compile(r"^Polly\.([A-Z][a-z]+)(-Neural|-Generative)?$")
_GOOGLE = re.compile(r"^Google\.[a-z]{2,3}-[A-Z]{2}-[A-Za-z0-9]+(-[A-Za-z0-9]+)?-[A-Z]$")

# Locales Twilio lists for <Say> (basic, Polly and Google voices) and <Gather> speech.
LANGUAGES = frozenset(
    """af-ZA ar-AE ar-SA arb bg-BG bn-IN ca-ES cmn-CN cmn-TW cs-CZ cy-GB da-DK de-AT de-CH
    de-DE el-GR en-AU en-CA en-GB en-GB-WLS en-IE en-IN en-NZ en-PH en-SG en-US en-ZA es-AR
    es-CO es-ES es-MX es-US eu-ES fi-FI fil-PH fr-BE fr-CA fr-CH fr-FR gl-ES gu-IN he-IL hi-IN
    hu-HU id-ID is-IS it-IT ja-JP kn-IN ko-KR lt-LT lv-LV ml-IN mr-IN ms-MY nb-NO nl-BE nl-NL
    pa-IN pl-PL pt-BR pt-PT ro-RO ru-RU sk-SK sr-RS sv-SE ta-IN te-IN th-TH tr-TR uk-UA vi-VN
    yue-CN yue-HK zh-CN zh-HK zh-TW""".split()  # noqa: SIM905 (as documented)
)


def voice_problem(voice: str) -> str | None:
    """Why Twilio would not know `voice`, or None if it does."""
    if voice in BASIC_VOICES or _GOOGLE.match(voice):
        return None
    polly = _POLLY.match(voice)
    if polly is None:
        return (
            f"{voice!r} is not a Twilio voice: use man, woman, alice, Polly.<Name> "
            "(optionally -Neural or -Generative) or Google.<locale>-<type>-<letter>"
        )
    if polly.group(1) not in POLLY_NAMES:
        return f"{voice!r}: Twilio offers no Amazon Polly voice called {polly.group(1)!r}"
    return None


def say_limit(voice: str | None) -> int:
    """The most UTF-8 bytes one <Say> may carry in `voice` (None: Twilio's default, basic)."""
    if voice is None or voice in BASIC_VOICES:
        return BASIC_SAY_BYTES
    if voice.startswith("Google."):
        return GOOGLE_SAY_BYTES
    return POLLY_SAY_BYTES
