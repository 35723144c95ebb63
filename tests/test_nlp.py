"""Topic rules, commitment cues, the learned heads and evaluation, on real sentences from the fixtures."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import CORPUS

from nlp.commitments import detect_commitment
from nlp.embed import HashingEmbedder
from nlp.evaluate import format_table, score
from nlp.tag import Tagger
from nlp.taxonomy import TaxonomyError, load_taxonomy
from nlp.train import DATA_DIR, train_heads

LORDS_DV = (
    "Research shows that domestic violence often rears its head when women are pregnant and that it "
    "often accelerates in the months before the arrival of a newborn."
)


@pytest.fixture(scope="module")
def fake_tagger():
    """A tagger whose heads were fitted, here and now, on the bundled data with the hashing embedder."""
    embedder = HashingEmbedder()
    heads = train_heads(sorted(DATA_DIR.glob("*.jsonl")), embedder)
    return Tagger(embedder, heads)


def topics_of(tagger: Tagger, text: str) -> dict[str, object]:
    """Topic id -> tag for a text classified as one unit."""
    (result,) = tagger.classify([text])
    return {tag.topic: tag for tag in result.topics}


def test_bundled_taxonomy_has_the_six_topics_with_rules_and_examples():
    taxonomy = load_taxonomy()
    assert taxonomy.ids() == [
        "perpetrator_pursuit",
        "stalking",
        "domestic_abuse",
        "vawg_general",
        "serious_violence_duty",
        "professional_training_accountability",
    ]
    assert all(t.phrases and t.examples and t.search_terms for t in taxonomy.topics)
    assert "serious violence duty" in taxonomy.search_terms()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("topics: []", "non-empty 'topics' list"),
        ("topics:\n  - {id: a, label: A}", "needs a non-empty 'description'"),
        ("topics:\n  - {id: a, label: A, description: d, colour: red}", "unknown field(s) ['colour']"),
        (
            "topics:\n  - {id: a, label: A, description: d}\n  - {id: a, label: B, description: e}",
            "appears twice",
        ),
        ("topics:\n  - {id: a, label: A, description: d, threshold: 3}", "between 0 and 1"),
        ("topics:\n  - {id: 'two words', label: A, description: d}", "plain identifier"),
        ("topics: [", "cannot read taxonomy"),
    ],
)
def test_invalid_taxonomy_is_refused_with_file_and_reason(tmp_path, yaml_text, message):
    path = tmp_path / "taxonomy.yml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=str(path)) as error:
        load_taxonomy(path)
    assert message in str(error.value)


def test_rules_tag_a_real_lords_sentence_and_say_why(fake_tagger):
    tags = topics_of(fake_tagger, LORDS_DV)
    assert tags["domestic_abuse"].method == "rule"
    assert tags["domestic_abuse"].reason == "matched “domestic violence”"


def test_keywords_in_other_senses_are_not_rule_matches(fake_tagger):
    horse = topics_of(
        fake_tagger, "The amendment is a stalking horse for a wider change to the benefits rules."
    )
    assert horse.get("stalking") is None or horse["stalking"].method != "rule"
    fraud = topics_of(fake_tagger, "The Serious Fraud Office will pursue the perpetrators of fraud abroad.")
    assert fraud.get("perpetrator_pursuit") is None or fraud["perpetrator_pursuit"].method != "rule"


def test_sentences_are_split_and_tagged_in_order(fake_tagger):
    text = "Domestic abuse is a crime. The price of oil fell. Stalking Protection Orders were introduced."
    (sentences,) = fake_tagger.tag_texts([text])
    assert [s.text for s in sentences] == [
        "Domestic abuse is a crime.",
        "The price of oil fell.",
        "Stalking Protection Orders were introduced.",
    ]
    assert text[sentences[2].start : sentences[2].end] == sentences[2].text
    assert "stalking" in {t.topic for t in sentences[2].topics}
    assert sentences[0].vector.shape == (384,)


@pytest.mark.parametrize(
    ("text", "expected", "actor"),
    [
        ("We will relentlessly pursue the perpetrators of these appalling crimes.", True, "government"),
        ("Police forces will, from April, target the most dangerous domestic abusers.", True, "police"),
        ("I will write to the noble Lady with the figures.", True, "government"),
        ("The Home Office has committed up to £18 million per year over 2 years.", True, "government"),
        ("The Government must act now to protect victims of stalking.", False, None),
        ("HMICFRS recommends that forces should improve their response.", False, None),
        ("Will the Minister meet me to discuss the case?", False, None),
        ("The Stalking Protection Act 2019 received Royal Assent in March.", False, None),
        ("I will give way to the hon. Member.", False, None),
        ("The Home Secretary said he will consider the findings and recommendations for the Home Office in "
         "greater detail, with the aim of providing an update in due course.", True, "government"),
        ("The Minister will know that the problems I have described are compounded for those who own "
         "leasehold property.", False, None),
        ("I will begin by giving my heartfelt thanks to the people of Ealing North for putting their trust "
         "in me.", False, None),
        ("I will turn briefly to the fifth and sixth measures, Mr Deputy Speaker, which are very important.",
         False, None),
        ("The relentless pursuit and disruption of adult perpetrators should be a national priority for the "
         "police, and their capability and capacity to do this should be enhanced.", False, None),
        ("I hope very much that we will redouble our efforts to make sure that we are not putting people "
         "into inappropriate care settings.", False, None),
        ("The Prime Minister and I have made tackling violence against women and girls a key priority.",
         True, "government"),
        # announcements of measures, posts and money, and bodies named with capitals
        ("These posts will support perpetrators to address vulnerabilities and issues which contribute to "
         "offending.", True, "government"),
        ("In the light of those representations, and with the assurances from the Treasury that additional "
         "ring-fenced money will be made available, we have decided to maintain the normal TA training "
         "regime.", True, "government"),
        ("The National Centre for VAWG and Public Protection will co-ordinate the police response.",
         True, "public body"),
        ("Offenders convicted of controlling or coercive behaviour will be managed under MAPPA.", True,
         "government"),
        ("We are also going to review the Gambling Act to ensure that it is fit for the modern age.", True,
         "government"),
        ("We’ll bring forward the legislation this year.", True, "government"),
        ("The Bill will also strengthen the relevant enforcement powers to hold building owners and managers "
         "to account.", False, None),
        ("I hope that the funding will be made available soon.", False, None),
        ("The Government must ensure that the new strategy will protect women.", False, None),
        ("The Deputy Leader of the House has not yet told us when the board will start its work.", False,
         None),
    ],
)
def test_commitments_are_told_from_demands_questions_and_past_facts(text, expected, actor):
    verdict = detect_commitment(text)
    assert (verdict.is_commitment, verdict.actor) == (expected, actor), verdict.reason


def test_taxonomy_edit_alone_adds_a_topic(tmp_path):
    taxonomy = load_taxonomy()
    path = tmp_path / "taxonomy.yml"
    extra = textwrap.dedent("""\
      - id: forced_marriage
        label: Forced marriage
        description: Forcing someone to marry.
        search_terms: [forced marriage]
        phrases: [forced marriage]
        examples:
          - She was taken abroad and made to marry a man she had never met.
          - The unit helps young people who fear being coerced into a wedding.
    """)
    path.write_text(
        taxonomy.path.read_text(encoding="utf-8") + textwrap.indent(extra, "  "), encoding="utf-8"
    )
    embedder = HashingEmbedder()
    heads = train_heads(sorted(DATA_DIR.glob("*.jsonl")), embedder, taxonomy_path=str(path))
    tagger = Tagger(embedder, heads, taxonomy_path=str(path))
    tags = topics_of(tagger, "The Forced Marriage Unit gave advice in 1,355 cases last year.")
    assert tags["forced_marriage"].reason == "matched “Forced Marriage”"


def test_score_gives_known_precision_recall_and_f1():
    topics = ["stalking", "domestic_abuse"]
    gold = [({"stalking"}, True), ({"domestic_abuse"}, False), (set(), False), ({"stalking"}, True)]
    got = [({"stalking"}, True), ({"stalking"}, True), (set(), False), (set(), True)]
    report = score(topics, gold, got)
    assert report["topics"]["stalking"] == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
        "tp": 1,
        "fp": 1,
        "fn": 1,
    }
    assert report["topics"]["domestic_abuse"]["f1"] == 0.0
    assert report["macro_f1"] == 0.25
    assert report["commitment"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert "macro-F1 (topics)" in format_table(report)


def test_corpus_sentences_about_stalking_orders_are_found(fake_tagger):
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in records if "Stalking Protection" in r["title"]]
    found = [
        s
        for sentences in fake_tagger.tag_texts(texts)
        for s in sentences
        if any(t.topic == "stalking" for t in s.topics)
    ]
    assert len(found) >= 5
    assert all(t.reason for s in found for t in s.topics)


def test_semantic_perpetrator_pursuit_needs_the_perpetrators_in_the_sentence():
    pursuit = load_taxonomy().topics[0]
    assert pursuit.id == "perpetrator_pursuit" and pursuit.context and pursuit.context_also
    assert not pursuit.in_context("The Act introduces a new civil Stalking Protection Order.")
    assert pursuit.in_context("Police will use protection orders to disrupt abusers.")
    assert pursuit.in_context("Officers will identify the men who harm women and go after them.")


def test_perpetrator_pursuit_tags_need_abuse_stalking_or_vawg_in_scope_even_by_rule(fake_tagger):
    pursuit = fake_tagger.taxonomy.topics[0]
    assert not pursuit.in_scope("Some offenders may be managed by the police under MAPPA.")
    assert not pursuit.in_context("A range of agencies will have a duty to manage these dangerous offenders.")
    general, abusers = fake_tagger.classify([
        "Management under MAPPA may result in these individuals being recorded on ViSOR.",
        "Serial domestic abusers will be managed under MAPPA.",
    ])
    assert "perpetrator_pursuit" not in {t.topic for t in general.topics}
    pursuit_tags = [t for t in abusers.topics if t.topic == "perpetrator_pursuit"]
    assert pursuit_tags and pursuit_tags[0].method == "rule"


def test_semantic_tags_need_a_context_word_but_rule_tags_do_not(fake_tagger):
    training = fake_tagger.taxonomy.topics[-1]
    assert training.id == "professional_training_accountability" and training.context
    # every semantic score passes: only the context words stand between a sentence and the topic
    heads = fake_tagger.heads
    open_heads = type(heads)(**{**heads.__dict__, "thresholds": heads.thresholds * 0, "_example_rows": {}})
    tagger = Tagger(HashingEmbedder(), open_heads)
    stop_and_search = ("The inspectorate reported that 27% of the stop and search records they examined did "
                       "not contain reasonable grounds to search people.")
    assert not training.in_context(stop_and_search)
    assert "professional_training_accountability" not in topics_of(tagger, stop_and_search)
    in_domain = "The inspectorate found that forces were not consistently handling domestic abuse cases well."
    assert topics_of(tagger, in_domain)["professional_training_accountability"].method == "semantic"
    vetting = "Forces must improve their vetting of new recruits."
    assert topics_of(tagger, vetting)["professional_training_accountability"].method == "rule"


@pytest.mark.parametrize("text, topic", [
    # the duty's definition quoted with curly quotes, and the duty's statutory wording
    ("The Duty did not include domestic abuse in the definition of ‘serious violence’.",
     "serious_violence_duty"),
    ("The duty on local bodies now reaches domestic abuse as well as serious violence.",
     "serious_violence_duty"),
    ("New legislation forces public bodies to work together to tackle serious violence.",
     "serious_violence_duty"),
    # police-perpetrated abuse and the Angiolini Inquiry's subject are VAWG and accountability
    ("Forces must deal effectively with misconduct and police perpetrated abuse.", "vawg_general"),
    ("Part 1 examined the previous career and conduct of Couzens.", "professional_training_accountability"),
    ("Part 1 examined the previous career and conduct of Couzens.", "vawg_general"),
    # the spiking offence's own words
    ("A person intentionally administering a substance to another person commits an offence.",
     "vawg_general"),
])
def test_rules_for_the_duty_police_perpetrated_abuse_and_spiking(fake_tagger, text, topic):
    tag = topics_of(fake_tagger, text).get(topic)
    assert tag is not None and tag.method == "rule"


def test_a_strategy_to_tackle_serious_violence_in_general_is_not_the_duty(fake_tagger):
    text = "The serious violence strategy sets out how we will tackle knife crime."
    assert "serious_violence_duty" not in topics_of(fake_tagger, text)


def test_abusers_on_their_own_are_domestic_abuse_but_named_other_kinds_are_not(fake_tagger):
    assert topics_of(fake_tagger, "Police will better manage serial and repeat abusers.")[
        "domestic_abuse"].method == "rule"
    assert "domestic_abuse" not in topics_of(fake_tagger, "Child abusers were jailed for fraud.")


def test_the_pursuit_of_perpetrators_as_a_noun_is_pursuit(fake_tagger):
    text = "Officers are relentless in their pursuit of the perpetrators of all VAWG crime."
    assert topics_of(fake_tagger, text)["perpetrator_pursuit"].method == "rule"


@pytest.mark.parametrize("text", [
    "He was a stalking horse candidate.",
    "Deer stalking is popular in the Highlands.",
])
def test_a_keyword_inside_an_excluded_phrase_is_no_context_for_the_model_either(fake_tagger, text):
    stalking = fake_tagger.taxonomy.topics[1]
    assert stalking.id == "stalking" and not stalking.in_context(text)
    assert "stalking" not in topics_of(fake_tagger, text)


def test_a_token_pattern_spacy_rejects_is_refused_with_file_topic_and_hint(tmp_path):
    import spacy

    from nlp.components import TopicRules

    path = tmp_path / "taxonomy.yml"
    path.write_text("topics:\n  - id: a\n    label: A\n    description: d\n"
                    "    patterns:\n      - [{LOWER: fixated}, {LOWER: {IN: [on, with]}}]\n",
                    encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topic 'a' has an invalid token pattern") as error:
        TopicRules(spacy.blank("en"), load_taxonomy(path))
    assert str(path) in str(error.value) and "quote it" in str(error.value)


@pytest.mark.parametrize("text, topic", [
    ("Farmers growing oilseed rape have lost their crops to flea beetle.", "vawg_general"),
    ("Energy prices are spiking across Europe this winter.", "vawg_general"),
    ("Thousands of families sought refuge from the war in Syria.", "domestic_abuse"),
    ("The Government's fixation on targets is damaging the NHS.", "stalking"),
    ("The councillor was convicted of misconduct in public office.", "professional_training_accountability"),
    ("We will target the perpetrators of benefit fraud.", "perpetrator_pursuit"),
])
def test_keywords_in_everyday_senses_are_not_tagged(fake_tagger, text, topic):
    assert topic not in topics_of(fake_tagger, text)


def test_fixation_on_a_person_is_stalking(fake_tagger):
    text = "He became fixated on her after she ended the relationship."
    assert topics_of(fake_tagger, text)["stalking"].method == "rule"


def test_killed_by_a_current_or_former_partner_is_domestic_abuse(fake_tagger):
    text = "Two women a week are killed by a current or former partner in England and Wales."
    assert topics_of(fake_tagger, text)["domestic_abuse"].method == "rule"


def test_heads_of_another_feature_layout_are_refused_with_a_clear_error(fake_tagger):
    import dataclasses

    import numpy as np

    from nlp.heads import HeadsError

    heads = fake_tagger.heads
    wider = np.hstack([heads.weights, np.zeros((heads.weights.shape[0], 6), dtype=np.float32)])
    old_layout = dataclasses.replace(heads, weights=wider, _example_rows={})
    with pytest.raises(HeadsError, match="older feature layout"):
        Tagger(HashingEmbedder(), old_layout)


def test_the_heads_read_the_embedding_and_cue_features_only(fake_tagger):
    from nlp.commitments import FEATURE_NAMES

    heads = fake_tagger.heads
    assert heads.weights.shape[1] == heads.example_vectors.shape[1] + len(FEATURE_NAMES)
