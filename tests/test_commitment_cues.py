"""Pledge cues for general forms of commitment, each with the near-misses it must not call pledges."""

from __future__ import annotations

import pytest

from nlp.commitments import detect_commitment
from nlp.remit import head_may_call_commitment

PLEDGES = [
    # an adverb that does not end in -ly between the auxiliary and "committed", "determined", "going to"
    ("I am also committed to making sure that every force has a specialist stalking lead.", "government"),
    ("We are still very much committed to halving violence against women and girls.", "government"),
    ("The Government are still determined to bring forward the legislation this session.", "government"),
    ("Clearly, there is a decision for the Executive to make, but I stand ready to support the medical "
     "school in any way I can.", "government"),
    # a second body, or the actor's own setting, between the actor and the pledge
    ("Both the NPCC and the Crown Prosecution Service are determined to improve the charge rate.", "police"),
    ("The College of Policing and the National Crime Agency will publish joint guidance next year.",
     "police"),
    ("The NPCC and the APCC at their spring conference have pledged to publish a joint plan.", "police"),
    ("The NPCC has pledged to review every force's use of protection orders.", "police"),
    # the subject carried over a coordination to the pledge
    ("The College of Policing published the first edition last year and will be updating it in the spring.",
     "police"),
    ("We warmly welcome the inspectorate's report and will be working with forces to act on it.",
     "government"),
    # a body that has agreed to act
    ("Chief constables have agreed to appoint a dedicated lead for stalking in every force.", "police"),
    # nominal pledges
    ("The action plan includes a commitment to review the guidance on stalking protection orders.",
     "government"),
    ("The Home Office confirmed the decision to extend the pilot to three more forces.", "government"),
    # a measure announced through the people it affects, or as the subject of a coordination
    ("Stalkers will face electronic monitoring under tough new measures announced today.", "government"),
    ("The new unit is a partnership between two forces and will initially be based in Manchester.",
     "government"),
    ("Next spring will also see the launch of a national awareness campaign.", "government"),
    ("A crime prevention strategy is being developed by the Home Office that will cover these issues.",
     "government"),
    # a quoted undertaking whose subject is outside the quotation
    ("“will publish revised guidance for forces on the use of the new orders”.", "government"),
    # reported and financial undertakings
    ("Yesterday the Government announced that we would provide the Executive with a financial package.",
     "government"),
    ("They will also provide £50 million over two years to support the roll-out of the scheme.",
     "government"),
    ("These funds will come with stringent conditions attached.", "government"),
    ("Gentleman is of concern to many Members, and I will see what I can do to arrange a meeting.",
     "government"),
    # a subject after a time adverbial or at the start of a quotation; a title before a name
    ("Last year the College of Policing published the guidance and will be updating it in the spring.",
     "police"),
    ("Welcoming the news, the Chief Constable said: “We warmly welcome the report and will be working with "
     "partners to act on it.”", "government"),
    ("Home Secretary Yvette Cooper today confirmed the decision to extend the pilot to every force.",
     "government"),
    ("Offenders face tougher checks in a raft of new measures", "government"),
    # a pledge after a condition is still found
    ("If the pilot succeeds, we will extend it to every force in England and Wales.", "government"),
]

NOT_PLEDGES = [
    # a demand, a hope, a prediction and a past fact
    "The Government must remain firmly committed to the strategy.",
    "I hope that the NPCC and the APCC will publish a joint plan.",
    "We know that crime is rising and will continue to rise.",
    "The NPCC and the APCC published a joint plan last year.",
    # agreement that is not an undertaking, and a question about one
    "Members on both sides have agreed to disagree.",
    "Has the Minister agreed to meet the campaigners?",
    # a listener, a Member's own speech, a question
    "The Minister and the Home Secretary will know that stalking is rising.",
    "I will see the hon. Member after the debate.",
    "Will the Minister confirm the decision to extend the pilot?",
    # a commitment named in a condition, a company's intention
    "If the Secretary of State has made a commitment to start talks, that will be before the election.",
    "The energy company announced its intention to close the customer service centre.",
    # a reading of someone else's intentions
    "The guidance suggests that the government is aiming to strike a balance between the two.",
    "Ministers appear to be committed to a different approach.",
    # Members scrutinising the Government, wishing to see, setting conditions
    "Where the Secretary of State is right, we will work constructively with him.",
    "We will hold the Home Secretary to account on every one of these promises.",
    "We will test Ministers on whether they deliver the extra officers.",
    "I want to see further progress on charge rates across the whole of England and Wales.",
    "If we want to realise the ambition to halve violence, we have to recognise the scale of the task.",
    "There will be an opportunity to raise that at Home Office questions.",
    "If we do not fund the services properly, the new strategy will not work.",
    "Can we have a discussion about how the Government will set their priorities?\"",
    "I will not if that is okay, because of time.",
    # a law's own effect and how an order's procedure works
    "The Stalking Bill will see the introduction of new protection orders.",
    "The police will then apply for the order, so that the victim does not have to.",
    "A Conservative Prime Minister promised to end the use of such institutions eight years ago.",
]


@pytest.mark.parametrize(("text", "actor"), PLEDGES)
def test_general_forms_of_pledge_are_found(text, actor):
    verdict = detect_commitment(text)
    assert (verdict.is_commitment, verdict.actor) == (True, actor), verdict.reason


@pytest.mark.parametrize("text", NOT_PLEDGES)
def test_near_misses_are_not_pledges(text):
    verdict = detect_commitment(text)
    assert not verdict.is_commitment, verdict.reason


@pytest.mark.parametrize(
    ("text", "left_open"),
    [
        ("The guidance suggests that the government is aiming to strike a balance.", False),
        ("I hope very much that we will redouble our efforts.", False),
        ("The Government must ensure that the new strategy will protect women.", False),
        ("The police will apply for the order, so that the victim does not have to.", False),
        ("Knife crime will fall further next year.", True),  # no rule fires: the model may call it
        # a demand in an earlier clause may not govern the pledge after it: the model decides
        ("The Government believe that victims should not bear the cost, and we will close the loophole.",
         True),
    ],
)
def test_vetoed_pledges_are_not_left_to_the_model(text, left_open):
    verdict = detect_commitment(text)
    assert not verdict.is_commitment
    assert head_may_call_commitment(verdict, text) is left_open
