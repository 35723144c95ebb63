"""The commitments ledger's text rules: who commits, to what, by when, and how later text relates to it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from nlp.commitments import ACTOR_PLEDGE, PRIORITY

# Named bodies, most specific first: (canonical name, kind, pattern).
BODIES = [
    ("NPCC", "police", r"national police chiefs'? council|\bnpcc\b|national (?:police )?lead"),
    ("College of Policing", "police", r"college of policing"),
    ("APCC", "police", r"association of police and crime commissioners|\bapcc\b"),
    ("Police and crime commissioners", "police", r"police and crime commissioners?|\bpccs?\b"),
    ("HMICFRS", "public body", r"hmicfrs|inspectorate of constabulary|\bthe inspectorate\b"),
    ("IOPC", "public body", r"\biopc\b|independent office for police conduct"),
    ("CPS", "public body", r"\bcps\b|crown prosecution service|prosecutors"),
    ("Domestic Abuse Commissioner", "public body", r"domestic abuse commissioner"),
    ("Victims' Commissioner", "public body", r"victims'? commissioner"),
    ("Home Secretary", "minister", r"home secretary"),
    ("Prime Minister", "minister", r"prime minister"),
    ("Safeguarding Minister", "minister", r"safeguarding minister"),
    ("Home Office", "government", r"home office"),
    ("Ministry of Justice", "government", r"ministry of justice|justice secretary"),
    ("Government", "government", r"\b(?:the|this|hm|uk) government\b|\bgovernment\b|\bministers\b"),
    ("Police", "police", r"\bpolice\b|\bforces?\b|chief constables|\bofficers\b|\bpolicing\b"),
]
NAMED_FORCE = re.compile(r"\b((?:[A-Z][a-z]+ ){0,3}(?:Police|Constabulary))\b")
GENERIC_FORCE_WORDS = {"the", "police", "every", "all", "each", "national", "local", "our", "their"}
PARLIAMENT = re.compile(r"hansard|parliament|written (?:answers|statements|questions)", re.IGNORECASE)
FIRST_PERSON = re.compile(r"^(?:i|we|my department|our)$", re.IGNORECASE)
ACCEPTANCE = re.compile(
    r"\b(?P<actor>[A-Z][\w’'& ]{1,60}?)\s+(?:has|have)\s+(?:now\s+)?accepted\s+(?:all\s+|each\s+of\s+)?"
    r"(?:the\s+|its\s+|their\s+)?(?:\w+\s+)?recommendations?\b"
    r"|\b(?P<actor2>we|i)\s+(?:fully\s+)?accepts?\s+(?:all\s+)?(?:the|these|this|its|their)\s+recommendations?\b",
    re.IGNORECASE,
)
UNDERTAKING = re.compile(
    r"\b(?:i|we)\s+(?:will|shall|'ll|am happy to|would be happy to)\s+(?:\w+ly\s+)?"
    r"(?:write|update|meet|look into|look at|reflect|come back|report back|place a copy|inform|confirm|"
    r"consider|keep the house|set out|publish)\b",
    re.IGNORECASE,
)
DEBATE_KINDS = {"hansard_debate", "debate", "westminster_hall", "lords_debate", "commons_debate"}

NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}
MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30), "winter": (12, 31)}
MONTH_NAMES = "|".join(MONTHS)
DEADLINES = [
    (
        "day",
        re.compile(
            rf"\b(?:by|before|on) (?:the )?(\d{{1,2}})(?:st|nd|rd|th)? ({MONTH_NAMES}),? (\d{{4}})", re.I
        ),
    ),
    (
        "month",
        re.compile(rf"\b(?:by|before|in|from) (?:the end of |early |late )?({MONTH_NAMES}) (\d{{4}})", re.I),
    ),
    (
        "season",
        re.compile(
            r"\b(?:by|before|in) (?:the end of )?(?:the )?(spring|summer|autumn|winter)(?: of)? (\d{4})", re.I
        ),
    ),
    ("year", re.compile(r"\b(?:by|before) (?:the end of |the start of )?(\d{4})(?:/\d{2})?\b", re.I)),
    (
        "relative",
        re.compile(
            r"\b(?:within|in) (?:the next |the coming )?(\d+|[a-z-]+) (day|week|month|year)s?\b", re.I
        ),
    ),
    ("next year", re.compile(r"\b(?:by the end of |during |by |in )?next year\b", re.I)),
    (
        "this year",
        re.compile(r"\b(?:later|by the end of|before the end of|during) (?:this|the) year\b", re.I),
    ),
    ("in year", re.compile(r"\b(?:in|during) (\d{4})\b", re.I)),
    (
        "vague",
        re.compile(
            r"\b(?:shortly|soon|in due course|in the coming (?:weeks|months)|over the coming "
            r"(?:weeks|months)|in the near future|by the end of this parliament)\b",
            re.I,
        ),
    ),
]


@dataclass(frozen=True)
class Deadline:
    """A stated deadline or timescale, and its date when one can be worked out."""

    text: str
    date: str | None
    precision: str


@dataclass(frozen=True)
class Pledge:
    """What a commitment sentence says: actor, actor kind, action, deadline and kind of pledge."""

    actor: str
    actor_kind: str
    action: str
    deadline: Deadline | None
    kind: str


def _month_end(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (clamped to the month's end)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _relative_date(made: dt.date, amount: str, unit: str) -> dt.date | None:
    """A date `amount` units after `made`, for "within six months" and the like."""
    count = int(amount) if amount.isdigit() else NUMBERS.get(amount.lower())
    if count is None:
        return None
    unit = unit.lower()
    if unit == "day":
        return made + dt.timedelta(days=count)
    if unit == "week":
        return made + dt.timedelta(weeks=count)
    return _add_months(made, count * (12 if unit == "year" else 1))


def _deadline_date(kind: str, match: re.Match, made: dt.date | None) -> dt.date | None:
    """Turn one matched deadline phrase into a date (None when it cannot be worked out)."""
    groups = match.groups()
    if kind == "day":
        return dt.date(int(groups[2]), MONTHS[groups[1].lower()], int(groups[0]))
    if kind == "month":
        return _month_end(int(groups[1]), MONTHS[groups[0].lower()])
    if kind == "season":
        month, day = SEASON_END[groups[0].lower()]
        return dt.date(int(groups[1]), month, day)
    if kind == "year":
        return dt.date(int(groups[0]), 12, 31)
    if made is None:
        return None
    if kind == "relative":
        return _relative_date(made, groups[0], groups[1])
    if kind == "next year":
        return dt.date(made.year + 1, 12, 31)
    if kind == "this year":
        return dt.date(made.year, 12, 31)
    if kind == "in year" and int(groups[0]) >= made.year:
        return dt.date(int(groups[0]), 12, 31)
    return None


def extract_deadline(text: str, made_on: str | None = None) -> Deadline | None:
    """The first deadline or timescale stated in a sentence, dated relative to when it was made."""
    made = dt.date.fromisoformat(made_on) if made_on else None
    for kind, pattern in DEADLINES:
        match = pattern.search(text)
        if not match:
            continue
        try:
            when = _deadline_date(kind, match, made)
        except ValueError:
            when = None
        if (kind == "in year" and when is None) or (when and made and when < made):
            continue  # a past date is a reference, not a deadline
        precision = {"day": "day", "month": "month", "season": "month", "vague": "vague"}.get(kind, "year")
        if kind == "relative":
            precision = "relative"
        return Deadline(match.group(0).strip(), when.isoformat() if when else None, precision)
    return None


def canonical_actor(phrase: str) -> tuple[str, str] | None:
    """The named body a phrase refers to, with its kind (None for "we", "I" and unknown phrases)."""
    for name, kind, pattern in BODIES[:-2]:
        if re.search(pattern, phrase, re.IGNORECASE):
            return name, kind
    force = NAMED_FORCE.search(phrase)
    if force and force.group(1).split()[0].lower() not in GENERIC_FORCE_WORDS:
        return force.group(1), "police"
    for name, kind, pattern in BODIES[-2:]:
        if re.search(pattern, phrase, re.IGNORECASE):
            return name, kind
    return None


def contextual_actor(speaker: str | None, office: str | None, publisher: str | None) -> tuple[str, str]:
    """Who "we" or "I" is: the speaker (with office) in debate, else the publishing body."""
    if speaker:
        named = canonical_actor(office or "")
        label = f"{speaker} ({office})" if office else speaker
        kind = (
            "minister"
            if office
            and re.search(
                r"minister|secretary|solicitor|attorney|whip|lord in waiting", office, re.IGNORECASE
            )
            else (named[1] if named else "member")
        )
        return label, kind
    if publisher and PARLIAMENT.search(publisher):
        return "Government", "government"  # a minister's statement or answer speaks for the government
    if publisher:
        named = canonical_actor(publisher)
        return (named[0] if named else publisher.split(" (")[0]), (named[1] if named else "public body")
    return "Government", "government"


def extract_action(text: str, cue_end: int | None) -> str:
    """The promised action: the words after the pledge cue, or the whole sentence when there is no cue."""
    rest = text[cue_end:] if cue_end is not None else text
    rest = rest.strip(" ,;:").rstrip(". ")
    return (rest or text.strip())[:300]


def read_pledge(
    text: str,
    made_on: str | None = None,
    speaker: str | None = None,
    office: str | None = None,
    publisher: str | None = None,
    document_kind: str | None = None,
) -> Pledge:
    """Read a commitment sentence: actor (resolved from context for "we"/"I"), action, deadline and kind."""
    acceptance = ACCEPTANCE.search(text)
    pledge = ACTOR_PLEDGE.search(text)
    if acceptance and not pledge:
        phrase = acceptance.group("actor") or acceptance.group("actor2") or ""
        cue_end, kind = acceptance.end(), "accepted recommendation"
    elif pledge:
        # widen the actor to the words before it, so "Thames Valley Police" is not cut to "Valley Police"
        phrase = text[max(0, pledge.start("actor") - 40):pledge.end("actor")]
        phrase = phrase if NAMED_FORCE.search(phrase) else pledge.group("actor")
        cue_end = pledge.end()
        kind = "undertaking" if document_kind in DEBATE_KINDS and UNDERTAKING.search(text) else "pledge"
    else:
        priority = PRIORITY.search(text)
        phrase, cue_end, kind = "", (priority.end() if priority else None), "pledge"
    named = None if FIRST_PERSON.match(phrase.strip()) else canonical_actor(phrase)
    actor, actor_kind = named or contextual_actor(speaker, office, publisher)
    accepted = kind == "accepted recommendation"
    action = text.strip().rstrip(".") if accepted else extract_action(text, cue_end)
    return Pledge(actor, actor_kind, action, extract_deadline(text, made_on), kind)


def is_acceptance(text: str) -> bool:
    """Does the sentence record that a body accepted recommendations (a commitment of its own kind)?"""
    return bool(ACCEPTANCE.search(text))


RELATIONS = ("restates", "progress", "delivered", "criticises", "contradicts", "related")
CONTRADICTS = re.compile(
    r"\b(?:will no longer|no longer (?:be|plans?|intends?)|scrapped|abandoned|dropped|shelved|u-turn|"
    r"reversed|watered down|(?:has|have) been (?:delayed|postponed|paused)|will not (?:now|be going ahead)|"
    r"not (?:be )?going ahead|decided not to)\b",
    re.IGNORECASE,
)
CRITICISES = re.compile(
    r"\b(?:fail(?:ed|ing|ure|s)?|not yet|(?:has|have|had) not|hasn't|haven't|too slow|slow progress|"
    r"letting [\w ]{1,30} down|lack of|inconsisten\w*|unevenness|uneven|concerns?(?:ed)?|disappoint\w*|"
    r"criticis\w*|more (?:needs|still needs) to be done|long way to go|insufficient|inadequate|patchy|"
    r"still not|shortcomings?|missed|too easy|under-?used|rarely used|not being used|postcode lottery|"
    r"why not)\b",
    re.IGNORECASE,
)
DELIVERED = re.compile(
    r"\b(?:(?:has|have) (?:now |today |recently )?(?:been )?(?:published|launched|introduced|appointed|"
    r"established|implemented|delivered|completed|created|set up|rolled out|commenced|passed|achieved|"
    r"opened|funded|awarded|embedded)|came into force|comes? into (?:force|effect)|commenced on|"
    r"received royal assent|royal assent|signed into law|(?:was|were) (?:appointed|published|launched|"
    r"introduced|established|created|opened|awarded)|(?:is|are) now in place|now live|went live|"
    r"(?:today|this week) (?:published|launched|announced)|published (?:today|this week)|"
    r"(?:we|they|it|the \w+) (?:published|launched|introduced|delivered|appointed|established|created))\b",
    re.IGNORECASE,
)
PROGRESS = re.compile(
    r"\b(?:progress|on track|under ?way|implementing|being implemented|rolling out|being rolled out|"
    r"piloting|pilots?|so far|to date|first phase|(?:have|has) begun|began|started|working towards|"
    r"continu(?:e|es|ing) to|in the process of|developing|(?:are|is|has|have) made|making|review of progress|"
    r"update on|metrics|baseline)\b",
    re.IGNORECASE,
)


def classify_relation(text: str, is_pledge: bool) -> tuple[str, str]:
    """How a later sentence relates to a commitment, with the words that decided it."""
    for relation, pattern in (
        ("contradicts", CONTRADICTS),
        ("criticises", CRITICISES),
        ("delivered", DELIVERED),
    ):
        match = pattern.search(text)
        if match:
            return relation, f"“{match.group(0)}”"
    if is_pledge:
        return "restates", "a later pledge in similar words"
    match = PROGRESS.search(text)
    if match:
        return "progress", f"“{match.group(0)}”"
    return "related", "similar in meaning; no progress, delivery or criticism words"
