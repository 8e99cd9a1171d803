from .enrolment import Candidate, Cohort, Enrolment, PrerequisiteEvidence
from .people import ConflictOfInterest, Provider, ProviderAuthorisation, RoleGrant
from .support import Accommodation, ExemptionProposal

__all__ = [
    "Accommodation",
    "Candidate",
    "Cohort",
    "ConflictOfInterest",
    "Enrolment",
    "ExemptionProposal",
    "PrerequisiteEvidence",
    "Provider",
    "ProviderAuthorisation",
    "RoleGrant",
]
