from .capitalisation import Equivalence, ValidatedBlock
from .composition import CompositionRule, JuryRole, RequiredRole, Side
from .deliberation import (
    BlockDecision,
    ClosedRecordError,
    Confirmation,
    Decision,
    Deliberation,
    ExemptionRuling,
    JuryMember,
    Minutes,
)

__all__ = [
    "BlockDecision",
    "ClosedRecordError",
    "CompositionRule",
    "Confirmation",
    "Decision",
    "Deliberation",
    "Equivalence",
    "ExemptionRuling",
    "JuryMember",
    "JuryRole",
    "Minutes",
    "RequiredRole",
    "Side",
    "ValidatedBlock",
]
