"""Commitment cues: does a sentence pledge future action, who pledges it, and what shows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

ACTORS = [
    ("government", r"we|i|this government|the government|government|ministers|the minister|my department"
                   r"|the department|the home office|home office|the ministry of justice|the home secretary"
                   r"|the prime minister|the secretary of state|the justice secretary|the attorney general"
                   r"|the safeguarding minister|the uk government|hm government|the treasury"
                   # a title before a name, as press releases write it: "Home Secretary Yvette Cooper"
                   r"|(?:(?:home|justice) secretary|(?:safeguarding|policing|victims) minister)"
                   r" (?-i:[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})"),
    ("police", r"the police|police|police forces|forces|every force|all forces|each force|the force"
               r"|chief constables|officers|policing|the met|the metropolitan police|[a-z]+ police"
               r"|the national police chiefs'? council|the npcc|npcc|the national lead"
               r"|the college of policing|the college"
               r"|the apcc|apcc|the association of police and crime commissioners"),
    ("public body", r"the cps|the crown prosecution service|prosecutors|probation|the probation service"
                    r"|hmicfrs|the inspectorate|the iopc|local authorities|councils|the commissioner"
                    r"|the domestic abuse commissioner|the victims'? commissioner|pccs|the pcc"
                    r"|police and crime commissioners|the nhs|courts|the courts|the centre"),
]
ANY_ACTOR = "|".join(f"(?:{pattern})" for _, pattern in ACTORS)
# Adverbs between an auxiliary and "committed", "determined" or "going to": "we remain firmly committed",
# "I am also committed", "we are all still determined".
AUXILIARY_ADVERBS = (r"(?: (?:\w+ly|also|still|now|then|today|all|both|each|too|already|again|very much"
                     r"|once again|as ever|more than ever)){0,2}")
PLEDGE = (
    rf"will|'ll|shall|(?:am|are|is|'re|'m){AUXILIARY_ADVERBS} going to"
    r"|(?:am|are|is|'re) to"
    rf"|(?:am|are|is|remain|remains|'re|'m|have|has|have been|has been){AUXILIARY_ADVERBS} committed(?: to)?"
    rf"|commits? to|committed to|pledges? to|(?:(?:have|has){AUXILIARY_ADVERBS} )?pledged|promises? to"
    r"|promised to|undertakes? to|undertake to"
    r"|intends? to|stands? ready to"
    rf"|(?:have|has){AUXILIARY_ADVERBS} agreed to"
    rf"|plans? to|(?:am|are|is|'re|'m|remain|remains){AUXILIARY_ADVERBS} determined to|aims? to"
    r"|(?:are|is) aiming to|(?:are|is) set to"
    r"|(?:am|are|is|'re|'m) (?:(?:also|now|today|currently|already) )?(?:proposing|legislating|introducing"
    r"|bringing forward|launching)"
    r"|proposes? to|want to|wants to|can confirm(?: \w+){0,3}? that|(?:am|are|is) pleased to announce"
)
# What a listener "will know" or "will have heard" is not a pledge (but a later pledge in the sentence is).
LISTENER = (r"(?:already |no doubt |surely |of course |well |also )?(?:know|be aware|have heard|have seen"
            r"|recognise|appreciate|understand|agree|recall|remember|be pleased|be glad|be delighted"
            r"|forgive)\b")
# A second body joined to the actor: "the NPCC and the APCC", "the Home Office and the Department for
# Education" (its name in capitals, whatever the case rules of the pattern around it).
NAME_WORD = r"(?-i:[A-Z][\w'&-]*)"
CO_ACTOR = (rf"\s+(?:and|&)\s+(?:the\s+)?{NAME_WORD}"
            rf"(?:\s+(?:of|for|on|and\s+(?={NAME_WORD})|{NAME_WORD})){{0,6}}(?:\s*\([^()]{{1,20}}\))?")
# Where or how the actor speaks, with its own possessive: "at their annual Summit", "in its response".
OWN_SETTING = r"\s+(?:at|in|through|via|with|under) (?:their|its|our) (?:[\w'-]+ ){0,3}?[\w'-]+"
# Words allowed between the actor and the pledge: adverbs, "also", a parenthesis between commas, a second
# body, the actor's own setting.
BETWEEN = (
    r"(?:\s*,[^.;:?!,]{1,60},|\s*\([^()]{1,40}\)|\s+(?:also|now|soon|further|therefore|today|still|all|both|each|then|together"
    r"|jointly|collectively|ourselves|themselves|urgently|immediately|certainly|absolutely|fully|firmly"
    rf"|clearly|always|never|not|really|very|too|in turn|as a result|in future|in the future)|{CO_ACTOR}"
    rf"|{OWN_SETTING}){{0,3}}"
)
ACTOR_PLEDGE = re.compile(
    rf"(?<!\bif )(?<!\bunless )(?<!\bwhether )"  # "if we want to realise the ambition" is a condition
    rf"\b(?P<actor>{ANY_ACTOR}){BETWEEN}"
    rf"(?:\s+|(?='))(?P<pledge>{PLEDGE})\b"  # "we will", and "we'll" with no space
    rf"(?!\s+{LISTENER})",
    re.IGNORECASE,
)
PRIORITY = re.compile(
    r"\b(?:(?:my|our|this government'?s|the government'?s|the home secretary'?s|the prime minister'?s)"
    r"(?: \w+)? (?:top |first |number one |key |absolute )?priorit(?:y|ies)"
    r"|(?:a|the) (?:top |national )?(?:policing )?priority for (?:this|the) government"
    r"|(?:a|the) national policing priority|^pledge to|(?:includes|including|our|this) commitment to"
    r"|(?:^|, )there will be (?:a|an|new|more|additional|further|extra|\d|£)"
    r"(?! ?(?:\w+ )?(?:opportunit|chance|time|need|question|debate|sympathy|problem|difficult|risk"
    r"|temptation))"
    r"|manifesto commitment|mission(?: [–—-][^–—.]{1,80}[–—-])? to"
    r"|(?:made|make|makes|making|remains?) (?:[\w-]+ ){0,8}?(?:a|the|our) (?:very |really )?"
    r"(?:key|top|high|national|number one|absolute|first) (?:policing )?priority)\b",
    re.IGNORECASE,
)
PROCEDURAL = re.compile(
    r"\b(?:i|we) (?:will|shall|'ll) (?:also |now |not |briefly )*"
    r"(?:give way|be brief|come (?:on )?to|turn to|"
    r"not detain|say|end|conclude|quote|repeat|return to|finish|leave it there|be interested"
    r"|see(?! what (?:i|we) can do| to it| that)|hear|listen|"
    r"read|make a statement|speak to|cite|concentrate on|cause a division|move|deal with|respond to|touch on|"
    r"address (?:the|this|that|those)|be very surprised|be grateful|refer to|explain why)\b"
    r"|\b(?:i|we) (?:am |are )?(?:want|wish|going) to (?:express|thank|pay tribute|say|put on record|"
    r"place on record|congratulate|welcome|begin|start|end|conclude|make a|speak|ask)\b"
    # a Member's own speech and causes, not an undertaking by a public body
    r"|\b(?:i|we) (?:will|shall|'ll) (?:also |now |not |briefly |very briefly |specifically |always |never )*"
    r"(?:begin|start|focus|dwell|talk about|take (?:some |a few |any |no )?(?:more )?interventions"
    r"|make (?:some )?progress|do (?:my|our) (?:very )?best|do everything (?:i|we) can|endeavour|be forever"
    r"|never forget|always remember|tell (?:you|the house)|call|fight for|stand up for|speak up|champion"
    r"|repay|pay tribute|work tirelessly for"
    r"|continue to (?:champion|speak|fight|campaign|press|raise|push|make the case)"
    r"|have no noise|flinch|(?:continue to )?take (?:\w+ )?(?:\w+ )?interventions|turn (?:\w+ly )?to"
    r"|speak (?:\w+ )?(?:\w+ly )?about|leave (?:that|it|this|those) (?:to one side|aside|there)|represent"
    r"|follow (?:[\w-]+ ){1,6}with interest"
    r"|not(?:,|\.| because| name| take| if))"
    r"|\b(?:i|we) (?:intend|want|wish|plan|hope) to (?:dwell|focus|concentrate|talk|touch|highlight|mention"
    r"|outline|draw attention|raise|speak)\b",
    re.IGNORECASE,
)
# Hopes, expectations and wishes to see something are not undertakings.
HOPE = re.compile(r"\b(?:i|we) (?:all )?(?:very much )?(?:hope|trust|expect|(?:really )?wants? to see)\b",
                  re.IGNORECASE)
# Members holding the Government to account undertake scrutiny, not public action: "we will test him on",
# "we will hold Ministers to account", "we will work constructively with him".
SCRUTINY = re.compile(
    r"\b(?:i|we) (?:will|shall|'ll) (?:also |continue to |certainly |always )*"
    r"(?:test (?:him|her|them|ministers|the (?:government|minister|secretary of state))"
    r"|hold (?:[\w-]+ ){1,4}?to account|keep track|scrutinise"
    r"|vote (?:for|against|with)|oppose|work constructively with (?:him|her|them|ministers|the government"
    r"|the minister|the secretary of state))\b",
    re.IGNORECASE,
)
# How an order's procedure works is not an undertaking: "the police will apply for the order, so that".
LEGAL_PROCEDURE = re.compile(
    r"\bwill (?:then |first |normally |usually |instead )?(?:apply|make an application) (?:to (?:the|a) "
    r"(?:\w+ )?courts? )?for (?:the|an?|such an?) (?:[\w-]+ ){0,2}?(?:order|notice|warrant|injunction)\b",
    re.IGNORECASE,
)
# A reading of what someone seems to intend is not their undertaking: "the guidance suggests that the
# government is aiming to", "ministers appear to be committed to".
HEDGED = re.compile(r"\b(?:suggests?|suggested|suggesting|implies|implied|implying|seems?|seemed|appears?"
                    r"|appeared|reportedly|apparently|supposedly)\b", re.IGNORECASE)
# Reported pledges: "the Home Secretary said she will consider the findings".
REPORTED = re.compile(
    r"\b(?:said|says|confirmed|confirms|announced|announces|pledged|promised|stated|added|made clear)"
    r" (?:that )?(?:he|she|they|the government|ministers|the department|the force|police)"
    r" (?:will|would|is going to|are going to)\b(?! (?:not|have|be (?:pleased|glad|happy)))"
    r"|\b(?:the government|ministers|the department|the home office|we) (?:have |has )?(?:announced|confirmed"
    r"|pledged|promised|made clear) (?:that )?we (?:will|would|are going to)\b(?! (?:not|have|be))",
    re.IGNORECASE,
)
# A body named first, then a pledge joined by "and": "the CPS takes these cases seriously and is determined".
COORDINATED = re.compile(
    rf"\b(?P<actor>{'|'.join(f'(?:{pattern})' for _, pattern in ACTORS[1:])}|the government|ministers)\b"
    r"[^.;:?!]{0,160}? and (?:(?:is|are|remains?) (?:\w+ly )?(?:committed|determined) to|will continue to)\b",
    re.IGNORECASE,
)
# The sentence's subject carries over a coordination to the pledge: "the NPCC and College of Policing launched
# the first framework and will be publishing", "We really welcome this announcement and will be working with".
# No clause may open between them ("that", "which", a comma...), so the pledge has no other subject.
SAME_CLAUSE = (r"(?:(?!\b(?:that|which|who|whom|whose|where|when|whether|if|because|but|while|although|unless"
               r"|as|once|until|so|than)\b)[^.;:?!,—–\"“”])")
# Where a clause's subject may stand: the sentence's start, after a time adverbial ("This year", "Today,",
# "In March 2024,") or at the start of a quotation ("said: “We ...").
TIME_LEAD = (r"(?:(?:this|last|next|later this|earlier this) (?:year|week|month|spring|summer|autumn|winter)"
             rf"|today|yesterday|now|in (?:{NAME_WORD} )?\d{{4}}|in {NAME_WORD}"
             rf"|on \d{{1,2}} {NAME_WORD}(?: \d{{4}})?)\s*,?\s+")
SUBJECT_START = rf"(?:^\W*(?:{TIME_LEAD})?|[:;]\s*[“\"]\s*)"
SHARED_SUBJECT = re.compile(
    rf"{SUBJECT_START}(?P<actor>{ANY_ACTOR})\b{SAME_CLAUSE}{{3,120}}?"
    r"\s+and\s+(?:(?:also|then|now|today)\s+)?(?P<pledge>will|(?:is|are|remains?)(?: \w+ly)? (?:committed"
    r"|determined|going) to)\b"
    rf"(?!\s+{LISTENER})",
    re.IGNORECASE,
)
# A nominal pledge, not inside an "if": "includes a commitment to review", "reaffirmed our pledge to"; and a
# public body's decision made known: "the Home Office confirmed the decision to include it".
NOT_AFTER_IF = r"^(?:(?!\b(?:if|whether|unless)\b)[^?])*?"
NOMINAL_PLEDGE = re.compile(
    rf"{NOT_AFTER_IF}\b(?:includes?|including|contains?|sets? out|setting out|makes?|made|gives?|gave|given"
    r"|reaffirm(?:s|ed)?|restate(?:s|d)?|reassert(?:s|ed)?|confirm(?:s|ed)?|announce(?:s|d)?)"
    r" (?:a|an|the|our|its|their|my|this|the government'?s) (?:[\w-]+ ){0,2}?"
    r"(?P<pledge>commitment|pledge|undertaking)s? to\b"
    rf"|{NOT_AFTER_IF}\bconfirm(?:s|ed)? (?:the|our|its|their|a) (?:[\w-]+ )?decision to\b"
    rf"|\b(?P<actor>{ANY_ACTOR})\b[^.;:?!]{{0,60}}?"
    r"\bannounce(?:s|d)? (?:the|our|its|their|a) (?:[\w-]+ )?(?:decision|intention|plans?) to\b",
    re.IGNORECASE,
)
# A new measure announced through the people it affects: "Domestic abusers will face tags under new measures".
NEW_MEASURES = (r"(?:new|tough(?:er)?|landmark|government|the government'?s) (?:[\w-]+ ){0,2}?"
                r"(?:measures|plans|proposals|laws?|legislation|rules|powers|reforms|crackdown)")
MEASURES_SET = r"(?:(?:a|the) (?:raft|package|series|range|set) of )?"
ANNOUNCED_MEASURE = re.compile(
    rf"\b(?P<pledge>will)\b[^.;:?!]{{0,100}}?\b(?:under|as part of|thanks to) {MEASURES_SET}{NEW_MEASURES}\b"
    rf"|\b(?P<headline>faces?)\b[^.;:?!]{{0,60}}?\b(?:under|in|as part of) {MEASURES_SET}{NEW_MEASURES}\b"
    rf"|^\W*(?:under|as part of) {NEW_MEASURES}\b[^.;:?!]{{0,100}}?\b(?P<passive>will)\b",
    re.IGNORECASE,
)
# A quoted undertaking whose subject is outside the quotation: "“will publish statutory guidance…".
QUOTED_UNDERTAKING = re.compile(
    r"^\s*[“\"'‘]\s*(?:and\s+)?(?P<pledge>will|shall)\s+(?:also\s+|now\s+|continue to\s+)?(?!not\b)\w+",
    re.IGNORECASE,
)
# What follows "will" when it tells what a listener knows, what something means or whether a plan works.
NOT_AN_UNDERTAKING = (r"\b(?!\s+(?:not\s+)?(?:know|be aware|mean|have to|need|depend|be able to|fail|succeed"
                      r"|work(?!\s+(?:with|to|alongside|closely|together|across|in|on|for|towards|through)\b))\b)")
# A new body, post or programme announced with what it will do: "the new centre will work with academics".
NEW_MEASURE = re.compile(
    r"\b(?:the|a|an|this|these) new (?:[\w’'-]+ ){0,5}?(?:centre|unit|hub|service|scheme|team|fund|programme"
    r"|pilot|posts?|roles?|specialists|taskforce|lead|strategy|plan|framework|approach|model|campaign|body)"
    rf" (?:\w+ly )?will{NOT_AN_UNDERTAKING}",
    re.IGNORECASE,
)
# A measure, post or body of public provision announced with what it will do ("these posts will support
# perpetrators", "the funding will pay for"); a law's own effect ("the Bill will") is not listed.
MEASURE = (r"approach|model|programme|scheme|pilots?|funds?|funding|money|investment|grants?|posts?|roles?"
           r"|specialists?|co-?ordinators?|advisers?|advocates?|navigators?|team|unit|centre|hub|service"
           r"|strategy|action plan|plan|framework|campaign|guidance|training|toolkit|taskforce|package|review"
           r"|consultation|inspection|inquiry|network|partnership|board|project|initiative|helpline|register"
           r"|database")
# Not inside an indirect question or an opinion: "told us when the board will", "I am sure the plan will".
NOT_REPORTED = (r"(?<!\bwhen )(?<!\bwhether )(?<!\bif )(?<!\bhow )(?<!\bsure that )(?<!\bthink )"
                r"(?<!\bbelieve )")
MEASURE_WILL = re.compile(
    rf"(?:^|{NOT_REPORTED}\b(?:the|this|these|that|those|our|its|their|a|an)\s+)(?:[\w’'£.,-]+\s+){{0,4}}?"
    rf"(?:{MEASURE})"
    rf"(?:\s*\([^()]{{1,40}}\))?\s+(?:\w+ly\s+)?(?P<pledge>will){NOT_AN_UNDERTAKING}",
    re.IGNORECASE,
)
# A measure as the subject of a coordination: "The new centre is a collaboration between the NPCC and the
# College of Policing and will initially be based at the College".
MEASURE_AND_WILL = re.compile(
    rf"^\W*(?:the|this|these|our|a|an)\s+(?:[\w'-]+\s+){{0,4}}?(?:{MEASURE})\b{SAME_CLAUSE}{{3,120}}?"
    r"\s+and\s+(?:(?:also|then|now)\s+)?(?P<pledge>will)\b(?!\s+(?:not\s+)?(?:know|be aware|mean|depend))",
    re.IGNORECASE,
)
# A launch or start foretold by a date: "Later this year will also see the start of a wider campaign".
WILL_SEE_LAUNCH = re.compile(
    r"(?<!\bbill )(?<!\bact )(?<!\blaw )(?<!\blegislation )(?<!\border )(?<!\bamendment )(?<!\bregulations )"
    r"\b(?P<pledge>will) (?:also |now )?see the (?:start|launch|introduction|roll-?out|creation|publication"
    r"|opening|establishment|expansion) of\b",
    re.IGNORECASE,
)
# A measure under way inside government: "A crime prevention strategy is being developed by the Home Office".
MEASURE_IN_HAND = re.compile(
    rf"\b(?:the|this|a|an|our|new)\s+(?:[\w'-]+\s+){{0,4}}?(?:{MEASURE}|bill|legislation)\s+(?:is|are)"
    r" (?:now |currently |already )?(?P<passive>being) (?:developed|prepared|drawn up|drafted|designed"
    r"|rolled out|set up|established|introduced|recruited|commissioned)\b",
    re.IGNORECASE,
)
# Money announced for the future: "£13 million will fund", "additional money will be made available".
FUNDS_WILL = re.compile(
    r"£\s?[\d.,]+\s*(?:m|bn|k|million|billion)?\b[^.;:?!]{0,40}?\b(?P<pledge>will)\b"
    r"|\b(?P<passive>will) be (?:made available|provided|invested|allocated|spent|awarded)\b"
    r"|\bwill (?:also |now |further )?(?:provide|invest|allocate|give|make available|commit|include|deliver)"
    r"\b[^.;:?!£]{0,50}?£\s?\d",
    re.IGNORECASE,
)
# An impersonal announcement of a measure: "the law will be changed so that", "offenders will be managed".
MEASURE_PASSIVE = re.compile(
    r"\b(?P<passive>will) (?:now |also |then |soon |shortly |initially |first |automatically |further )?be "
    r"(?:\w+ly )?(?:rolled out|introduced|launched|extended|expanded|piloted|established|set up|published"
    r"|recruited|appointed|embedded|deployed|implemented|brought forward|laid|created|required|changed"
    r"|amended|strengthened|trained|issued|funded|put in place|made (?:mandatory|statutory|available)"
    r"|given (?:new|additional|extra|more|specialist|dedicated)|placed on a statutory|managed|monitored"
    r"|tagged|banned|prohibited|doubled|increased|legislated)\b",
    re.IGNORECASE,
)
# A body named with capitals and its undertaking: "the National Centre for VAWG and Public Protection will".
BODY = (r"Council|Commission|Commissioner|Office|Service|Agency|Authority|Authorities|Centre|College"
        r"|Inspectorate|Unit|Board|Partnership|Executive|Hub|Taskforce|Police|Constabulary|Department|Ministry"
        r"|Court|Courts|Panel|Network|Programme|Team|Forces|Force|Institute|Trust")
CAPITALISED = r"(?:(?:of|for|and|on|the)\s+)?[A-Z][\w’'&-]*"
NAMED_BODY = re.compile(
    rf"\b(?P<actor>(?:[Tt]he\s+)?(?:{CAPITALISED}\s+){{0,5}}?(?:{BODY})\b(?:\s+{CAPITALISED}){{0,5}})"
    r"(?:\s*\([^()]{1,20}\))?(?:\s+(?:also|now|then|therefore|further|jointly))?\s+(?P<pledge>will"
    r"|is (?:committed|determined|going) to|has committed to|plans to|intends to|aims to)"
    rf"{NOT_AN_UNDERTAKING}",
)
QUESTION = re.compile(
    r"^(?:to ask|will|would|does|do|did|can|could|is|are|has|have|what|when|why|how|whether|which|who)\b"
    r"[^.]*\?[\"”’')\]]*\s*$|\?[\"”’')\]]*\s*$",
    re.IGNORECASE,
)
DEMAND = re.compile(
    r"\b(?:must|should|ought to|needs? to|calls? on|calling on|urges?|urging|demands?|recommends?|"
    r"is asking|are asking)\b",
    re.IGNORECASE,
)
CONDITIONAL = re.compile(r"\b(?:would|could|might|may)\b", re.IGNORECASE)
PASSIVE_FUTURE = re.compile(
    r"\bwill (?:now |soon |also |then |shortly |automatically |be able to |face |receive |get )"
    r"|\bwill (?:now |soon |also |then |shortly |automatically )?be (?:\w+ly )?(?:\w+ed|made|given|set|put|"
    r"built|taken|brought|held|kept|run|done|shown|seen|known|paid|met|led|sent|told|spent|undertaken)\b",
    re.IGNORECASE,
)

# Forward-looking or undertaking words: the commitment head is consulted only on a sentence that has some, so
# a sentence without any is a commitment only if a pledge rule says so (and the first pass can skip it).
FORWARD = re.compile(
    r"\b(?:will|shall|won['’]?t|going to|commit(?!tee)|pledg|promis|intend|want|priorit)|['’]ll\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Commitment:
    """The verdict on one sentence: pledge or not, the actor, the cue words and the features."""

    is_commitment: bool
    actor: str | None
    cue: str | None
    reason: str
    features: tuple[float, ...]
    vetoed: bool = False  # a pledge the rules found and then ruled out: no model may call it a pledge


FEATURE_NAMES = ("actor_pledge", "passive_future", "question", "demand", "conditional", "procedural")


def actor_kind(actor: str) -> str:
    """Which kind of body an actor phrase names: government, police or public body."""
    for kind, pattern in ACTORS:
        if re.fullmatch(pattern, actor, re.IGNORECASE):
            return kind
    return "public body"


def cue_start(match: re.Match) -> int:
    """Where a pledge match's own pledge words begin (its `pledge` or `passive` group, else the match)."""
    groups = match.groupdict()
    for name in ("pledge", "passive", "headline"):
        if groups.get(name):
            return match.start(name)
    return match.start()


PLEDGE_RULES = (ACTOR_PLEDGE, PRIORITY, REPORTED, COORDINATED, SHARED_SUBJECT, NOMINAL_PLEDGE, NEW_MEASURE,
                NAMED_BODY, MEASURE_WILL, MEASURE_AND_WILL, FUNDS_WILL, MEASURE_PASSIVE, ANNOUNCED_MEASURE,
                QUOTED_UNDERTAKING, WILL_SEE_LAUNCH, MEASURE_IN_HAND)
CURLY_QUOTES = str.maketrans({"’": "'", "‘": "'"})


# Cheap, exact guards in front of the rules. A rule's guard lists groups of literal words its every match must
# contain, read off the pattern: a sentence that lacks all the words of some group cannot match, so the rule
# is skipped without running it and the verdicts stay exactly those of the rules alone. The words are lower
# case and read from `guard_text` (for IGNORECASE rules), or as written in the sentence (case_sensitive).
# "will" covers "will" only: a rule that also takes "'ll", "shall" or "won't" lists them itself.
WILL = ("will",)
I_OR_WE = ("i ", "we ")  # "\b(?:i|we) " with its literal space
PLEDGE_WORDS = ("will", "'ll", "shall", "going to", "am to", "are to", "is to", "'re to", "commit",
                "pledge", "promise", "undertake", "intend", "ready to", "plan to", "plans to",
                "determined to", "aim to", "aims to", "aiming to", "set to", "proposing", "legislating",
                "introducing", "bringing forward", "launching", "propose", "want", "can confirm",
                "pleased to announce", "agreed to")
# Every word MEASURE matches contains one of these ("co-ordinators" and "coordinators": "ordinator").
MEASURE_WORDS = ("approach", "model", "programme", "scheme", "pilot", "fund", "money", "investment",
                 "grant", "post", "role", "specialist", "ordinator", "adviser", "advocate", "navigator",
                 "team", "unit", "centre", "hub", "service", "strategy", "plan", "framework", "campaign",
                 "guidance", "training", "toolkit", "taskforce", "package", "review", "consultation",
                 "inspection", "inquiry", "network", "partnership", "board", "project", "initiative",
                 "helpline", "register", "database")
NEW_MEASURES_WORDS = ("measures", "plans", "proposals", "law", "legislation", "rules", "powers", "reforms",
                      "crackdown")


@dataclass(frozen=True)
class Guard:
    """Words a rule's match must contain: at least one of every group (lower case unless case_sensitive)."""

    groups: tuple[tuple[str, ...], ...]
    case_sensitive: bool = False

    def allows(self, text: str, low: str) -> bool:
        """Whether the sentence has a word of every group, so the rule may match it."""
        haystack = text if self.case_sensitive else low
        for group in self.groups:
            for word in group:
                if word in haystack:
                    break
            else:
                return False
        return True


GUARDS = {
    ACTOR_PLEDGE: Guard((PLEDGE_WORDS,)),
    PRIORITY: Guard((("priorit", "pledge", "commitment", "there will be", "mission"),)),
    REPORTED: Guard((("will", "would", "going to"),
                     ("said", "says", "confirm", "announc", "pledged", "promised", "stated", "added",
                      "made clear"))),
    COORDINATED: Guard(((" and ",), ("committed to", "determined to", "will continue to"))),
    SHARED_SUBJECT: Guard((("and",), ("will", "committed to", "determined to", "going to"))),
    NOMINAL_PLEDGE: Guard((("commitment", "pledge", "undertaking", "decision to", "announce"),)),
    NEW_MEASURE: Guard((WILL, ("new",))),
    NAMED_BODY: Guard((("will", "committed to", "determined to", "going to", "plans to", "intends to",
                        "aims to"), tuple(BODY.split("|"))), case_sensitive=True),
    MEASURE_WILL: Guard((WILL, MEASURE_WORDS)),
    MEASURE_AND_WILL: Guard((WILL, MEASURE_WORDS)),
    FUNDS_WILL: Guard((WILL,)),
    MEASURE_PASSIVE: Guard((WILL,)),
    ANNOUNCED_MEASURE: Guard((("will", "face"), NEW_MEASURES_WORDS)),
    QUOTED_UNDERTAKING: Guard((("will", "shall"),)),
    WILL_SEE_LAUNCH: Guard((WILL, ("see the",))),
    MEASURE_IN_HAND: Guard((("is being", "are being", "now being", "currently being", "already being"),)),
    PASSIVE_FUTURE: Guard((WILL,)),
    QUESTION: Guard((("?",),)),
    PROCEDURAL: Guard((I_OR_WE, ("will", "shall", "'ll", "want", "wish", "going", "intend", "plan", "hope"))),
    SCRUTINY: Guard((I_OR_WE, ("will", "shall", "'ll"))),
    DEMAND: Guard((("must", "should", "ought to", "need", "call", "urg", "demand", "recommend", "is asking",
                    "are asking"),)),
    CONDITIONAL: Guard((("would", "could", "might", "may"),)),
    HOPE: Guard((I_OR_WE, ("hope", "trust", "expect", "to see"))),
    HEDGED: Guard((("suggest", "impl", "seem", "appear", "reportedly", "apparently", "supposedly"),)),
    LEGAL_PROCEDURE: Guard((WILL, ("apply", "application"))),
}
# The guards by the rule's id: hashing a compiled pattern hashes its whole program, on every lookup.
GUARD_OF = {id(rule): guard for rule, guard in GUARDS.items()}
# Letters an IGNORECASE rule reads as ASCII ones that str.lower() leaves otherwise ("ı", "İ": "i"; "ſ": "s").
IGNORECASE_FOLDS = str.maketrans({"ı": "i", "İ": "i", "ſ": "s"})


def guard_text(text: str) -> str:
    """The sentence as the guards read it: lower case, with the letters in IGNORECASE_FOLDS made ASCII."""
    if not text.isascii():
        text = text.translate(IGNORECASE_FOLDS)
    return text.lower()


def guarded_search(rule: re.Pattern, text: str, low: str | None, pos: int = 0) -> re.Match | None:
    """The rule's first match from `pos`, or None at once when its guard rules a match out (no guards if
    `low` is None)."""
    if low is not None:
        guard = GUARD_OF.get(id(rule))
        if guard is not None and not guard.allows(text, low):
            return None
    return rule.search(text, pos)


def find_pledge(text: str, low: str | None = None) -> re.Match | None:
    """The first pledge rule's match in a sentence (rules in order of how much they say about the actor);
    `low`, the sentence's `guard_text`, lets the guards skip rules that cannot match."""
    for rule in PLEDGE_RULES:
        match = guarded_search(rule, text, low)
        if match:
            return match
    return None


# A new main clause: "..., and we will", "...; the Government will".
CLAUSE_BREAK = re.compile(r"(?:[,;]\s*(?:and|but|so)\b|;)", re.IGNORECASE)


def pledge_veto(text: str, pledge_at: int, demand: re.Match | None, low: str | None = None
                ) -> tuple[str, bool] | None:
    """Why a pledge found at `pledge_at` is not one (a hope, a reading, the sentence's `demand` before it,
    an order's procedure after it) and whether that is certain enough to keep the model out, or None."""
    hope = guarded_search(HOPE, text, low)
    if hope and hope.start() < pledge_at:
        return f"a hope or expectation: “{hope.group(0)}”", True
    hedge = guarded_search(HEDGED, text, low)
    if hedge and hedge.start() < pledge_at:
        return f"a reading of intentions: “{hedge.group(0)}”", True
    if demand and demand.start() < pledge_at:
        # a demand in an earlier clause may not govern the pledge: then the model may still decide
        same_clause = not CLAUSE_BREAK.search(text, demand.end(), pledge_at)
        return f"a demand or recommendation: “{demand.group(0)}”", same_clause
    procedure = guarded_search(LEGAL_PROCEDURE, text, low, pledge_at)
    if procedure:
        return f"how an order's procedure works: “{procedure.group(0)}”", True
    return None


def detect_commitment(text: str, guards: bool = True) -> Commitment:
    """Apply the pledge rules to one sentence (curly apostrophes read as straight ones: “we’ll”); with
    `guards=False` every rule is run, the reference the guarded verdicts must equal."""
    original, text = text, text.translate(CURLY_QUOTES)
    low = guard_text(text) if guards else None
    pledge = find_pledge(text, low)
    passive = guarded_search(PASSIVE_FUTURE, text, low)
    question = bool(guarded_search(QUESTION, text.strip(), low))
    procedural = bool(guarded_search(PROCEDURAL, text, low) or guarded_search(SCRUTINY, text, low))
    demand_match = guarded_search(DEMAND, text, low)
    pledge_at = cue_start(pledge) if pledge else len(text)
    demand = bool(demand_match) and not (pledge and pledge_at < demand_match.start())
    conditional = not pledge and bool(guarded_search(CONDITIONAL, text, low))  # read only without a pledge
    flags = (bool(pledge), bool(passive), question, demand, conditional, procedural)
    features = tuple(float(flag) for flag in flags)
    if question:
        return Commitment(False, None, None, "a question, not a pledge", features)
    veto = pledge_veto(text, pledge_at, demand_match, low) if pledge else None
    if veto:
        reason, certain = veto
        return Commitment(False, None, None, reason, features, vetoed=certain)
    if pledge and not procedural:
        actor = pledge.groupdict().get("actor")
        kind = actor_kind(actor) if actor else "government"
        words = original[pledge.start():pledge.end()]
        return Commitment(True, kind, words, f"pledge: “{words}”", features)
    if procedural:
        return Commitment(False, None, None, "procedural remark in debate", features)
    if demand:
        reason = f"a demand or recommendation: “{demand_match.group(0)}”"
        return Commitment(False, None, None, reason, features)
    if passive:
        words = original[passive.start():passive.end()]
        return Commitment(False, None, words, f"future action without a stated actor: “{words}”", features)
    return Commitment(False, None, None, "no pledge language", features)


def ruled_out(cue: Commitment) -> bool:
    """Whether the rules rule a pledge out whatever a model says: a question, a procedural remark, or a pledge
    the rules found and vetoed (a hope, a demand, a reading of intentions, an order's procedure)."""
    return bool(cue.features[2] or cue.features[5] or cue.vetoed)


def has_forward_language(text: str) -> bool:
    """Whether the text has forward-looking or undertaking words (the commitment head's remit)."""
    return bool(FORWARD.search(text))
