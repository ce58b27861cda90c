"""The spread of synthetic referrals ``seed_scale`` draws from: weights, rates and word lists."""

from __future__ import annotations

from partnership.models import Role

# Who refers (by demo agency slug). Education and police refer most; probation hardly ever.
OWNER_WEIGHTS: dict[str, float] = {
    "school": 0.3446,
    "police": 0.30,
    "council": 0.30,
    "health": 0.055,
    "probation": 0.0004,
}
# Classification (minimum clearance rank to read).
CLASSIFICATION_WEIGHTS: dict[int, float] = {1: 0.60, 2: 0.30, 3: 0.10}
ORIGINATOR_ONLY_RATE = 0.02
# Status by age: recent referrals wait for screening, older ones have been decided (a few stragglers).
STATUS_BY_AGE: tuple[tuple[float, dict[str, float]], ...] = (
    (10, {"submitted": 0.55, "screening": 0.35, "closed": 0.05, "signposted": 0.03, "accepted": 0.02}),
    (30, {"submitted": 0.05, "screening": 0.15, "closed": 0.40, "signposted": 0.24, "accepted": 0.16}),
    (float("inf"), {"submitted": 0.0005, "screening": 0.0005, "closed": 0.50, "signposted": 0.30, "accepted": 0.199}),
)
# One explicit share with one other (non-screening) agency for this fraction of referrals.
EXPLICIT_SHARE_RATE = 0.10
SHARE_TARGET_WEIGHTS: dict[str, float] = {"council": 0.40, "health": 0.30, "school": 0.30, "probation": 0.003}
SHARE_FUTURE_EXPIRY_RATE = 0.10  # of explicit shares: expires in 1 week to 6 months
SHARE_PAST_EXPIRY_RATE = 0.05  # of explicit shares: already expired (not yet tidied by the beat task)
SHARE_REVOKED_RATE = 0.02  # of explicit shares: revoked (ledger row only, no grant)
WINDOW_DAYS = 3 * 365  # submissions spread over the last three years

GIVEN_NAMES = (  # noqa: SIM905 - a compact word list
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Leo Alfie Henry "
    "Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Logan Lucas Daniel Theo "
    "Arthur Mohammed Harrison Benjamin Mason Finley Sebastian Adam Dylan Zachary Riley Olivia Amelia "
    "Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya Harper Willow "
    "Aisha Fatima Zara Maryam Kacper Jakub Tomasz Ionut Andrei Kwame Chidi Tariq Bilal Ryan Kyle "
    "Connor Callum Declan Siobhan Niamh Rhys Dafydd Ewan Hamish Aleksander Dominik Yusuf Ibrahim "
    "Hamza Ayaan"
).split()
FAMILY_NAMES = (  # noqa: SIM905 - a compact word list
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
    "White Roberts Green Hall Wood Jackson Clarke Patel Khan Ahmed Hussain Ali Begum Shah Singh Kaur "
    "Mahmood Iqbal Rahman Lewis Harris Martin Cooper Hill Ward Hughes Moore Clark King Harrison "
    "Morgan Baker Turner Edwards Allen Price Bell Murphy Kelly O'Brien Nowak Kowalski Wisniewski "
    "Popescu Okafor Mensah Adeyemi Osei Campbell Stewart MacDonald Fraser Reid Murray Doherty Quinn "
    "Byrne Gallagher Lloyd"
).split()
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "Queen Street",
    "King Street",
    "Manor Road",
    "The Crescent",
    "Grange Road",
    "Kingsway",
    "Albert Road",
    "New Road",
    "Chapel Street",
    "Water Lane",
    "Green Lane",
    "Springfield Road",
    "Orchard Close",
    "Bridge Street",
)
TOWNS = ("Northtown", "Eastbury", "Westmere", "Southgate", "Riverside", "Hillcrest", "Oakford", "Ashby")
SCHOOLS_AND_EMPLOYERS = (
    "Northtown Academy",
    "St Mary's Catholic High School",
    "Eastbury College",
    "Westmere Primary School",
    "Riverside Sixth Form",
    "Oakford Free School",
    "Northshire University",
    "Ashby Community School",
    "Hillcrest Pupil Referral Unit",
    "Southgate Further Education College",
    "Tesco, Northtown",
    "Amazon fulfilment centre, Eastbury",
    "Self-employed",
    "Unemployed",
    "Northshire Council",
    "",
)
LANGUAGES = (
    ("English", 0.86),
    ("Urdu", 0.03),
    ("Polish", 0.03),
    ("Arabic", 0.02),
    ("Bengali", 0.02),
    ("Romanian", 0.02),
    ("Somali", 0.01),
    ("Punjabi", 0.01),
)
CONCERN_SENTENCES = (
    "Has been sharing extremist videos with peers on social media.",
    "Teachers report a sudden change in behaviour and appearance over the last term.",
    "Has withdrawn from friends and family and spends long periods online.",
    "Expressed support for a proscribed organisation during a lesson.",
    "Was seen with material promoting violence against a minority group.",
    "Has talked about travelling abroad to join a conflict.",
    "Has shown a strong interest in previous school attacks and weapons.",
    "Family are worried about new contacts met through online gaming forums.",
    "Made threatening comments about a local place of worship.",
    "Drew symbols associated with an extreme right-wing group on school work.",
    "Has been excluded twice this year and describes a strong sense of grievance.",
    "Attended a demonstration and afterwards posted calls for violence.",
    "Disclosed to a nurse that they have been approached by an older man who talks about jihad.",
    "Searches for bomb-making instructions were found on a shared family computer.",
    "Uses incel language and has expressed hatred of women.",
    "Mental health needs appear to be increasing vulnerability to online grooming.",
    "Parent reports that the young person has stopped attending college.",
    "Has made contact with known extremists according to police intelligence.",
)
INDICATORS = (
    "online_material",
    "change_in_behaviour",
    "isolation",
    "expressed_support",
    "contact_with_extremists",
    "grievance",
    "travel",
    "weapons_interest",
    "other",
)
IDEOLOGY_WEIGHTS = (
    ("extreme_right_wing", 0.26),
    ("mixed", 0.38),
    ("islamist", 0.16),
    ("school_massacre_incel", 0.07),
    ("left_wing", 0.02),
    ("conflicted", 0.03),
    ("other", 0.08),
)
URGENCY_WEIGHTS = (("routine", 0.70), ("priority", 0.25), ("urgent", 0.05))
AWARENESS_WEIGHTS = (("yes", 0.55), ("no", 0.30), ("not_known", 0.15))
SHARE_REASONS = (
    "Needed for a joint risk assessment.",
    "The person is known to this agency; information needed to plan support.",
    "Agreed at the professionals meeting.",
    "Safeguarding strategy discussion.",
    "Requested by the agency SPOC for an open case.",
)
SCREENING_BY_STATUS = {
    "closed": ("no_further_action", "SCR-NFA", "No indication of radicalisation; concerns addressed by the school."),
    "signposted": ("signpost", "SCR-SIGN", "Vulnerabilities better met by another service."),
    "accepted": ("refer_to_panel", "SCR-PANEL", "Vulnerable to radicalisation; multi-agency support needed."),
}
SIGNPOST_SERVICES = (
    "childrens_social_care",
    "adult_social_care",
    "mental_health",
    "early_help",
    "police_led",
    "education",
    "other",
)
RAG_WEIGHTS = (("green", 0.5), ("amber", 0.4), ("red", 0.1))

BASE_ROLES_FOR_REFERRING = frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR})
