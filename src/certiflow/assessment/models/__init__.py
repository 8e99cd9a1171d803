from .grading import Assignment, Evidence, Mark, Reconciliation
from .session import Group, ScheduledAssessment, Session, Sitting

__all__ = [
    "Assignment",
    "Evidence",
    "Group",
    "Mark",
    "Reconciliation",
    "ScheduledAssessment",
    "Session",
    "Sitting",
]
