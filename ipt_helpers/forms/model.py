"""The IPT domain model: problem areas, dispute stages, phases and techniques.

This is the single list the widgets, the scoring feedback and the book's glossary draw on.
Sources: Weissman, Markowitz & Klerman (2000, 2018); Stuart & Robertson (2012);
Markowitz & Swartz (2007). See book/references.bib.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    """A named concept with a one-line definition."""

    key: str
    label: str
    definition: str


@dataclass(frozen=True)
class ProblemArea(Term):
    goals: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Phase(Term):
    sessions: str = ""
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Technique(Term):
    is_ipt: bool = True
    belongs_to: str = "IPT"


@dataclass(frozen=True)
class Convention:
    """Whose list of problem areas an exercise follows."""

    key: str
    label: str
    areas: tuple[str, ...]
    note: str = ""
    aliases: dict[str, str] = field(default_factory=dict)


PROBLEM_AREAS: tuple[ProblemArea, ...] = (
    ProblemArea(
        "grief",
        "Grief",
        "Depression whose onset is linked to the death of someone important to the patient "
        "(complicated bereavement).",
        goals=("Facilitate mourning", "Help the patient re-establish interests and relationships"),
        strategies=(
            "Review the lost relationship, its good and its difficult sides",
            "Encourage the expression of feelings about the death",
            "Reconnect with people and activities",
        ),
    ),
    ProblemArea(
        "role_dispute",
        "Role dispute",
        "A conflict with a significant other in which the two hold non-reciprocal expectations "
        "of the relationship.",
        goals=(
            "Identify the dispute",
            "Choose a plan of action",
            "Modify expectations or faulty communication",
        ),
        strategies=(
            "Determine the stage of the dispute",
            "Analyse communication in the dispute",
            "Rehearse new ways of asking for change",
        ),
    ),
    ProblemArea(
        "role_transition",
        "Role transition",
        "Difficulty adapting to a life change such as a new job, a move, retirement, divorce, "
        "parenthood or an illness, including changes that were wanted.",
        goals=(
            "Mourn and accept the loss of the old role",
            "See the new role more positively",
            "Restore self-esteem through mastery of the new role and new supports",
        ),
        strategies=(
            "Review the old role, what was lost and what was not",
            "Explore the opportunities of the new role",
            "Build the skills and supports the new role needs",
        ),
    ),
    ProblemArea(
        "interpersonal_deficits",
        "Interpersonal deficits",
        "A history of social isolation or few, unsatisfying relationships, with no recent grief, "
        "dispute or transition to explain the episode; the focus of last resort.",
        goals=("Reduce social isolation", "Encourage new relationships"),
        strategies=(
            "Review past relationships for repeating patterns",
            "Use the therapeutic relationship as a model",
            "Rehearse new social contacts",
        ),
    ),
)

INTERPERSONAL_SENSITIVITY = Term(
    "interpersonal_sensitivity",
    "Interpersonal sensitivity",
    "Stuart & Robertson's term for a long-standing difficulty in starting or keeping "
    "relationships, close to what the four-area convention calls interpersonal deficits; "
    "their chapter on it sits among the problem areas but marks it as distinct from them: "
    "rarely the primary focus, more often a factor that complicates one of the other three.",
)

CONVENTIONS: dict[str, Convention] = {
    "four_areas": Convention(
        "four_areas",
        "Four problem areas (Weissman, Markowitz & Klerman)",
        ("grief", "role_dispute", "role_transition", "interpersonal_deficits"),
        note="Interpersonal deficits is the fourth area; Stuart & Robertson's related term is "
        "interpersonal sensitivity.",
        aliases={"interpersonal_sensitivity": "interpersonal_deficits"},
    ),
    "three_areas": Convention(
        "three_areas",
        "Three problem areas (Stuart & Robertson)",
        ("grief", "role_dispute", "role_transition"),
        note="Stuart & Robertson build treatment on grief and loss, disputes and transitions; "
        "interpersonal sensitivity, their counterpart of deficits, has its own chapter but is "
        "distinct from these three, and usually complicates one of them rather than being "
        "the focus.",
    ),
}

DISPUTE_STAGES: tuple[Term, ...] = (
    Term(
        "renegotiation",
        "Renegotiation",
        "The two are still talking about their differences, if unsuccessfully; the work is to "
        "calm and improve the negotiation.",
    ),
    Term(
        "impasse",
        "Impasse",
        "Negotiation has stopped and resentment smoulders; the work is to bring the dispute "
        "back into the open so negotiation can restart.",
    ),
    Term(
        "dissolution",
        "Dissolution",
        "The relationship is irretrievably broken; the work is to help the patient end it and "
        "mourn it.",
    ),
)

PHASES: tuple[Phase, ...] = (
    Phase(
        "initial",
        "Initial phase",
        "Assessment and set-up: diagnosis, the sick role, the interpersonal inventory and an "
        "agreed formulation.",
        sessions="sessions 1-3 (some trainers say 1-4)",
        tasks=(
            "Diagnose the depression and review the symptoms",
            "Give the sick role and explain depression as a treatable illness",
            "Assess the need for medication",
            "Conduct the interpersonal inventory",
            "Identify the problem area",
            "Present the interpersonal formulation and agree the treatment contract",
        ),
    ),
    Phase(
        "middle",
        "Middle phase",
        "The work on the chosen problem area, linking mood to interpersonal events each week.",
        sessions="roughly sessions 4-12 (or 4-14)",
        tasks=(
            "Open each session by asking how things have been since the last meeting",
            "Link changes in mood to recent interpersonal events",
            "Apply the strategies of the chosen problem area",
            "Rehearse new ways of communicating",
        ),
    ),
    Phase(
        "termination",
        "Termination phase",
        "The last two to four sessions: ending treatment as a role transition of its own.",
        sessions="the last 2-4 sessions",
        tasks=(
            "Discuss the coming end of treatment explicitly",
            "Acknowledge the ending as a transition with feelings of its own",
            "Review the gains and what helped",
            "Plan for the warning signs of relapse",
            "Offer another treatment if the patient has not responded",
            "Discuss the need for maintenance treatment",
        ),
    ),
    Phase(
        "maintenance",
        "Maintenance phase",
        "The optional stage after the acute course, in which maintenance IPT (IPT-M) continues "
        "to lower the risk of recurrence.",
        sessions="monthly, after the acute course",
    ),
)

TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "exploratory",
        "Exploratory techniques",
        "Open, non-directive questions and direct elicitation that gather information about "
        "relationships and events.",
    ),
    Technique(
        "encouragement_of_affect",
        "Encouragement of affect",
        "Helping the patient recognise, accept and express painful feelings, and use them to "
        "guide change.",
    ),
    Technique(
        "clarification",
        "Clarification",
        "Restating or contrasting what the patient has said so that contradictions and "
        "unstated assumptions become visible.",
    ),
    Technique(
        "communication_analysis",
        "Communication analysis",
        "A detailed, word-by-word review of a troubling exchange: what was said, how, what was "
        "meant and felt, and what else could have been said.",
    ),
    Technique(
        "decision_analysis",
        "Decision analysis",
        "Generating the options open to the patient in an interpersonal situation and weighing "
        "their likely consequences.",
    ),
    Technique(
        "role_play",
        "Role play",
        "Rehearsing a conversation with the therapist so that a new way of communicating can "
        "be tried before it is used.",
    ),
    Technique(
        "therapeutic_relationship",
        "Use of the therapeutic relationship",
        "Giving feedback on how the patient comes across in therapy as a sample of other "
        "relationships, without interpreting transference.",
    ),
    Technique(
        "cognitive_restructuring",
        "Cognitive restructuring",
        "Identifying and disputing automatic thoughts and beliefs; a CBT technique.",
        is_ipt=False,
        belongs_to="CBT",
    ),
    Technique(
        "transference_interpretation",
        "Transference interpretation",
        "Interpreting the patient's feelings towards the therapist as repetitions of early "
        "relationships; a psychodynamic technique.",
        is_ipt=False,
        belongs_to="psychodynamic therapy",
    ),
    Technique(
        "formal_homework",
        "Formal homework",
        "Systematic written assignments between sessions; IPT encourages interpersonal tasks "
        "but sets no formal homework.",
        is_ipt=False,
        belongs_to="CBT",
    ),
    Technique(
        "guided_imagery",
        "Guided imagery and imagery re-scripting",
        "Imagining and rewriting scenes; used in metacognitive interpersonal therapy and some "
        "forms of CBT, not in IPT.",
        is_ipt=False,
        belongs_to="MIT / CBT",
    ),
    Technique(
        "mindfulness",
        "Mindfulness exercises",
        "Training non-judgemental attention to present experience; part of MIT and "
        "mindfulness-based therapies, not of IPT.",
        is_ipt=False,
        belongs_to="MIT / mindfulness-based therapies",
    ),
)

CLOSENESS_RINGS: tuple[Term, ...] = (
    Term("inner", "Inner circle", "The people the patient feels closest to."),
    Term("middle", "Middle circle", "People who matter but are less close."),
    Term("outer", "Outer circle", "Acquaintances and more distant relationships."),
)

RELATIONSHIP_QUALITIES: tuple[Term, ...] = (
    Term("supportive", "Supportive", "A relationship the patient can confide in and rely on."),
    Term("conflictual", "Conflictual", "A relationship marked by dispute or tension."),
    Term(
        "changed_near_onset",
        "Changed near onset",
        "A relationship that began, ended or changed around the onset of the symptoms.",
    ),
)

CONCEPTS: tuple[Term, ...] = (
    Term("sick_role", "Sick role",
         "The temporary role, after Parsons, that excuses a depressed patient from some "
         "obligations while asking them to work at recovery."),
    Term("medical_model", "Medical model",
         "Presenting depression as a common, treatable illness that is not the patient's "
         "fault, with a formal diagnosis and repeated severity ratings."),
    Term("interpersonal_inventory", "Interpersonal inventory",
         "A guided review of the patient's important relationships, past and present, that "
         "is used to choose the problem area."),
    Term("closeness_circle", "Closeness circle",
         "Concentric circles with the patient at the centre and important people placed by "
         "how close the patient feels to them."),
    Term("mood_timeline", "Timeline",
         "A chart of mood episodes against life and relationship events."),
    Term("interpersonal_formulation", "Interpersonal formulation",
         "The link between the depressive episode and one (at most two) problem areas, "
         "offered to the patient, who must agree to it before the middle phase."),
    Term("treatment_contract", "Treatment contract",
         "The agreement on the focus, the goals and the number of sessions made at the end "
         "of the initial phase."),
)

ADAPTATIONS: tuple[Term, ...] = (
    Term("ipt_a", "IPT for adolescents (IPT-A)",
         "IPT adapted for depressed adolescents, with parents involved; its first manual "
         "(1993) added an area for single-parent families."),
    Term("group_ipt", "Group IPT",
         "IPT delivered to groups; the WHO's version uses eight sessions and can be led by "
         "trained non-specialists."),
    Term("ipsrt", "Interpersonal and social rhythm therapy (IPSRT)",
         "IPT combined with stabilising daily rhythms (sleep, meals, activity) for bipolar "
         "disorder, alongside medication."),
    Term("ipc", "Interpersonal counselling (IPC)",
         "A brief form of up to six sessions for distress in primary care, first delivered by "
         "nurse practitioners."),
    Term("ipt_m", "Maintenance IPT (IPT-M)",
         "IPT continued after recovery, usually monthly, for people at risk of recurrence; "
         "tested in recurrent depression and in late life."),
)

TRIAGE: tuple[Term, ...] = (
    Term("ipt_now", "Offer IPT now",
         "An outpatient with non-psychotic, non-bipolar depression who can engage in a "
         "time-limited interpersonal focus."),
    Term("adaptation", "Offer an adaptation of IPT",
         "IPT fits, but the patient's age, setting or diagnosis calls for an adapted form."),
    Term("refer_first", "Refer or stabilise first",
         "Psychosis, mania, acute suicidal risk or active substance dependence needs "
         "assessment, safety planning, medication or other care before (or with) IPT."),
)

_GROUPS = {
    "problem_area": PROBLEM_AREAS + (INTERPERSONAL_SENSITIVITY,),
    "dispute_stage": DISPUTE_STAGES,
    "phase": PHASES,
    "technique": TECHNIQUES,
    "ring": CLOSENESS_RINGS,
    "quality": RELATIONSHIP_QUALITIES,
    "concept": CONCEPTS,
    "adaptation": ADAPTATIONS,
    "triage": TRIAGE,
}


def terms(group: str) -> tuple[Term, ...]:
    """All terms of one group: problem_area, dispute_stage, phase, technique, ring, quality,
    concept, adaptation, triage."""
    return _GROUPS[group]


def term(key: str) -> Term:
    """Look a term up by its key in any group."""
    for group in _GROUPS.values():
        for item in group:
            if item.key == key:
                return item
    raise KeyError(f"no IPT term with key {key!r}")


def label(key: str) -> str:
    """A term's label, or the key itself when it is not a domain term (e.g. a person's name)."""
    try:
        return term(key).label
    except KeyError:
        return str(key)


def options(group: str, *, convention: str | None = None, ipt_only: bool = False) -> list[tuple[str, str]]:
    """(label, key) pairs for a widget's options, in the model's order.

    ``convention`` restricts problem areas to one convention's list; ``ipt_only`` drops the
    non-IPT techniques.
    """
    items = terms(group)
    if group == "problem_area":
        allowed = CONVENTIONS[convention or "four_areas"].areas
        items = tuple(t for t in items if t.key in allowed)
    if ipt_only:
        items = tuple(t for t in items if getattr(t, "is_ipt", True))
    return [(t.label, t.key) for t in items]


def glossary() -> list[Term]:
    """Every term of the model once, sorted by label, for the book's glossary."""
    seen: dict[str, Term] = {}
    for group in _GROUPS.values():
        for item in group:
            seen.setdefault(item.key, item)
    return sorted(seen.values(), key=lambda t: t.label.lower())
