"""Reading the registry for display: a framework as a tree, linked both ways, in a fixed number of
queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from certiflow.frameworks.models import (
    Activity,
    Assessment,
    Block,
    Certification,
    Competency,
    Criterion,
    Framework,
)


def certifications_for_list(*, search: str = "") -> QuerySet[Certification]:
    queryset = Certification.objects.annotate(n_versions=Count("frameworks", distinct=True)).prefetch_related(
        Prefetch(
            "frameworks",
            queryset=Framework.objects.order_by("ordinal").only("id", "certification_id", "version"),
        )
    )
    if search:
        queryset = queryset.filter(Q(code__icontains=search) | Q(title__icontains=search))
    return queryset.order_by("code")


@dataclass
class CompetencyNode:
    competency: Competency
    activities: list[Activity] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)  # the criteria that evaluate it
    assessments: list[Assessment] = field(default_factory=list)


@dataclass
class AssessmentNode:
    assessment: Assessment
    competencies: list[Competency] = field(default_factory=list)
    criteria: list[tuple[Criterion, list[Competency]]] = field(default_factory=list)


@dataclass
class BlockNode:
    block: Block
    activities: list[Activity] = field(default_factory=list)
    competencies: list[CompetencyNode] = field(default_factory=list)
    assessments: list[AssessmentNode] = field(default_factory=list)


@dataclass
class FrameworkTree:
    framework: Framework
    blocks: list[BlockNode]
    unattached_activities: list[Activity]
    counts: dict[str, int]


def framework_tree(framework: Framework) -> FrameworkTree:
    activities = list(Activity.objects.filter(framework=framework).order_by("position"))
    competencies = list(
        Competency.objects.filter(framework=framework).order_by("position").prefetch_related("activities")
    )
    assessments = list(
        Assessment.objects.filter(framework=framework).order_by("position").prefetch_related("competencies")
    )
    criteria = list(
        Criterion.objects.filter(framework=framework).order_by("position").prefetch_related("competencies")
    )
    blocks = list(Block.objects.filter(framework=framework).order_by("position"))

    competency_nodes = {c.pk: CompetencyNode(c, activities=list(c.activities.all())) for c in competencies}
    assessment_nodes = {e.pk: AssessmentNode(e, competencies=list(e.competencies.all())) for e in assessments}
    for criterion in criteria:
        linked = list(criterion.competencies.all())
        assessment_nodes[criterion.assessment_id].criteria.append((criterion, linked))
        for competency in linked:
            competency_nodes[competency.pk].criteria.append(criterion)
    for node in assessment_nodes.values():
        for competency in node.competencies:
            competency_nodes[competency.pk].assessments.append(node.assessment)

    by_block: dict[int, BlockNode] = {b.pk: BlockNode(b) for b in blocks}
    unattached = []
    for activity in activities:
        (by_block[activity.block_id].activities if activity.block_id else unattached).append(activity)
    for node in competency_nodes.values():
        by_block[node.competency.block_id].competencies.append(node)
    for node in assessment_nodes.values():
        by_block[node.assessment.block_id].assessments.append(node)
    return FrameworkTree(
        framework=framework,
        blocks=[by_block[b.pk] for b in blocks],
        unattached_activities=unattached,
        counts={
            "blocks": len(blocks),
            "activities": len(activities),
            "competencies": len(competencies),
            "assessments": len(assessments),
            "criteria": len(criteria),
        },
    )
