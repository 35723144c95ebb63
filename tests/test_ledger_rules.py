"""The ledger's text rules on real sentences: actor, action, deadline, relation; status and overdue rules."""

from __future__ import annotations

import pytest

from nlp.ledger import classify_relation, extract_deadline, is_acceptance, read_pledge
from nlp.link import is_overdue, suggest_status

# Real sentences from the demo corpus (tests/fixtures/corpus/documents.jsonl) and the NPCC releases.
IDVA = (
    "In addition, there will be a minimum of £81 million to fund 700 independent domestic violence advocate "
    "and independent sexual violence advocate roles, with more funding for an additional 300 roles to be "
    "confirmed later this year."
)
NPCC_UPDATE = (
    "In June 2025, the NPCC will publish an update report on the progress made by police forces to "
    "deliver against the recommendations."
)
ACTION_PLANS = (
    "In November 2024, each police force published a bespoke action plan in response to the "
    "super-complaint, detailing their current practice and the steps they will take."
)
HOME_OFFICE_FUND = (
    "The Home Office has committed up to £18 million per year over 2 years towards the next phase "
    "of the Domestic Abuse Perpetrator Intervention Fund."
)
NPCC_ACCEPTED = (
    "The NPCC has accepted all the recommendations to it in HMICFRS’s report and the new police VAWG "
    "framework incorporates these recommendations."
)
PLAN = (
    "Today, I am pleased to announce we are publishing the new cross-Government tackling domestic abuse plan."
)
WRITE = (
    "I regret to say that I do not have the specific statistic for which the noble Baroness asked, but if "
    "she will permit me, I will write to her."
)


@pytest.mark.parametrize(
    ("text", "made", "phrase", "date"),
    [
        (IDVA, "2022-03-30", "later this year", "2022-12-31"),
        (NPCC_UPDATE, "2025-01-09", "In June 2025", "2025-06-30"),
        ("We will publish the review within six months.", "2023-02-27", "within six months", "2023-08-27"),
        (
            "Police forces will have specialist rape investigators by 2024.",
            "2022-03-30",
            "by 2024",
            "2024-12-31",
        ),
        ("We will bring forward the legislation next year.", "2023-06-13", "next year", "2024-12-31"),
        ("We will publish the guidance by 31 March 2023.", "2022-10-01", "by 31 March 2023", "2023-03-31"),
        ("We will set out our plans shortly.", "2022-03-16", "shortly", None),
    ],
)
def test_deadline_is_found_and_normalised_to_a_date(text, made, phrase, date):
    deadline = extract_deadline(text, made)
    assert deadline is not None
    assert deadline.text == phrase
    assert deadline.date == date


def test_a_past_date_in_a_report_of_delivery_is_not_a_deadline():
    assert extract_deadline(ACTION_PLANS, "2025-08-01") is None


def test_named_body_action_and_kind_are_read_from_a_pledge():
    pledge = read_pledge(HOME_OFFICE_FUND, "2023-01-09", publisher="Home Office (Wired-Gov)")
    assert (pledge.actor, pledge.actor_kind, pledge.kind) == ("Home Office", "government", "pledge")
    assert pledge.action.startswith("up to £18 million per year over 2 years")


def test_acceptance_of_recommendations_is_a_commitment_of_its_own_kind():
    assert is_acceptance(NPCC_ACCEPTED)
    pledge = read_pledge(NPCC_ACCEPTED, "2022-03-01", publisher="National Police Chiefs' Council")
    assert (pledge.actor, pledge.actor_kind, pledge.kind) == ("NPCC", "police", "accepted recommendation")


def test_we_in_a_ministerial_statement_is_the_government():
    pledge = read_pledge(
        PLAN, "2022-03-30", publisher="House of Commons Hansard", document_kind="written_statement"
    )
    assert (pledge.actor, pledge.actor_kind) == ("Government", "government")
    assert pledge.action == "we are publishing the new cross-Government tackling domestic abuse plan"


def test_a_ministers_promise_to_write_in_debate_is_an_undertaking_by_that_minister():
    pledge = read_pledge(
        WRITE,
        "2022-03-16",
        speaker="Baroness Williams of Trafford",
        office="Minister of State (Home Office)",
        document_kind="hansard_debate",
    )
    assert pledge.kind == "undertaking"
    assert pledge.actor == "Baroness Williams of Trafford (Minister of State (Home Office))"
    assert pledge.actor_kind == "minister"
    assert pledge.action == "write to her"


def test_a_named_force_is_the_actor():
    pledge = read_pledge(
        "Thames Valley Police will introduce a dedicated stalking unit next year.", "2023-05-01"
    )
    assert (pledge.actor, pledge.actor_kind) == ("Thames Valley Police", "police")
    assert pledge.deadline.date == "2024-12-31"


@pytest.mark.parametrize(
    ("text", "is_pledge", "relation"),
    [
        (
            "Raneem’s Law has been launched to embed the first domestic abuse specialists in 999 rooms.",
            False,
            "delivered",
        ),
        ("Police forces are making good progress in implementing wide-ranging action.", False, "progress"),
        (
            "Recent HMICFRS reports have highlighted areas in which policing is still letting the "
            "public and victims down.",
            False,
            "criticises",
        ),
        (
            "The Government has decided not to proceed with the register of serial perpetrators.",
            False,
            "contradicts",
        ),
        ("We will pursue perpetrators relentlessly.", True, "restates"),
        ("Domestic abuse is a devastating crime.", False, "related"),
    ],
)
def test_relation_of_later_evidence_is_classified_with_its_reason(text, is_pledge, relation):
    found, reason = classify_relation(text, is_pledge)
    assert found == relation
    assert reason


def _evidence(relation: str, date: str, id_: str = "e") -> dict:
    return {"id": f"{id_}-{date}", "relation": relation, "date": date, "score": 0.7}


def test_status_suggestions_follow_the_published_scale():
    assert suggest_status([], None, "2025-01-01").status == "not yet rated"
    assert suggest_status([_evidence("progress", "2023-01-01")], None, "2025-01-01").status == "in progress"
    delivered = suggest_status([_evidence("delivered", "2023-01-01")], "2024-12-31", "2025-06-01")
    assert (delivered.status, delivered.evidence_ids) == ("delivered", ("e-2023-01-01",))
    partly = [_evidence("delivered", "2023-01-01"), _evidence("criticises", "2024-01-01")]
    assert suggest_status(partly, None, "2025-01-01").status == "partly delivered"
    assert suggest_status([_evidence("contradicts", "2023-01-01")], None, "2025-01-01").status == "broken"
    late = suggest_status([_evidence("progress", "2023-01-01")], "2023-12-31", "2025-01-01")
    assert late.status == "stalled" and "deadline 2023-12-31 passed" in late.reason
    assert suggest_status([_evidence("related", "2023-01-01")], None, "2025-01-01").status == "unclear"


def test_overdue_means_deadline_passed_without_delivery():
    assert is_overdue("2023-12-31", "2024-01-01", delivered=False)
    assert not is_overdue("2023-12-31", "2024-01-01", delivered=True)
    assert not is_overdue("2023-12-31", "2023-06-01", delivered=False)
    assert not is_overdue(None, "2024-01-01", delivered=False)
