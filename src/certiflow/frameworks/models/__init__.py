from .certification import AccessRoute, Certification, Certifier, StatisticsRow
from .framework import Activity, Assessment, Block, Competency, Correspondence, Criterion, Framework
from .pending import PendingImport

__all__ = [
    "AccessRoute",
    "Activity",
    "Assessment",
    "Block",
    "Certification",
    "Certifier",
    "Competency",
    "Correspondence",
    "Criterion",
    "Framework",
    "PendingImport",
    "StatisticsRow",
]
