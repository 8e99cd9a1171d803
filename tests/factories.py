"""factory_boy factories for every app."""

import datetime

import factory
from django.contrib.auth import get_user_model

from certiflow.assessment.models import Assignment, ScheduledAssessment, Session, Sitting
from certiflow.candidates.models import Candidate, Enrolment, Provider, ProviderAuthorisation, RoleGrant
from certiflow.frameworks.models import (
    AccessRoute,
    Assessment,
    Block,
    Certification,
    Certifier,
    Competency,
    Criterion,
    Framework,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdministratorFactory(UserFactory):
    is_staff = True


class CertifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certifier

    name = factory.Sequence(lambda n: f"École des métiers de la culture {n}")
    siret = factory.Sequence(lambda n: f"{33115405400000 + n}")
    website = "https://ecole.example.org/"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    code = factory.Sequence(lambda n: f"RNCP{40000 + n}")
    code_source = Certification.CodeSource.DOCUMENT
    title = factory.Sequence(lambda n: f"Certification {n}")
    level = 6


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    certification = factory.SubFactory(CertificationFactory)
    version = factory.Sequence(str)
    ordinal = factory.Sequence(lambda n: n + 1)
    title = factory.SelfAttribute("certification.title")
    source_layout = "canonical_json"
    content_sha256 = factory.Sequence(lambda n: f"{n:064d}")


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"BC{n:02d}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Bloc {n}")


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    block = factory.SubFactory(BlockFactory)
    framework = factory.SelfAttribute("block.framework")
    code = factory.Sequence(lambda n: f"C{n}")
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Compétence {n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    block = factory.SubFactory(BlockFactory)
    framework = factory.SelfAttribute("block.framework")
    code = factory.Sequence(lambda n: f"E{n}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Épreuve {n}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    assessment = factory.SubFactory(AssessmentFactory)
    framework = factory.SelfAttribute("assessment.framework")
    code = factory.Sequence(lambda n: f"E.{n}")
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Critère {n}")


# --- candidates -------------------------------------------------------------------------------------
class AccessRouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRoute

    certification = factory.SubFactory(CertificationFactory)
    route = AccessRoute.Route.FORMATION_INITIALE
    label = "Après un parcours de formation sous statut d’élève ou d’étudiant"
    is_open = True
    position = factory.Sequence(lambda n: n + 1)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"École {n}")
    siret = factory.Sequence(lambda n: f"{30000000000000 + n}")


class ProviderAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderAuthorisation

    provider = factory.SubFactory(ProviderFactory)
    certification = factory.SubFactory(CertificationFactory)
    starts_on = datetime.date(2020, 1, 1)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    last_name = factory.Sequence(lambda n: f"Martin{n}")
    first_name = "Léa"
    email = factory.Sequence(lambda n: f"candidate{n}@example.org")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    candidate = factory.SubFactory(CandidateFactory)
    framework = factory.SubFactory(FrameworkFactory)
    access_route = factory.SubFactory(
        AccessRouteFactory, certification=factory.SelfAttribute("..framework.certification")
    )
    provider = factory.SubFactory(ProviderFactory)
    starts_on = datetime.date(2024, 9, 1)


def grant(user, role, provider=None):
    """Give ``user`` a role directly (tests of the role-granting rule itself use the domain)."""
    RoleGrant.objects.create(user=user, role=role, provider=provider)
    return user


# --- assessment -------------------------------------------------------------------------------------
class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    framework = factory.SubFactory(FrameworkFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_on = datetime.date(2025, 6, 1)
    ends_on = datetime.date(2025, 6, 30)
    created_by = factory.SubFactory(AdministratorFactory)


class ScheduledAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduledAssessment

    session = factory.SubFactory(SessionFactory)
    assessment = factory.SubFactory(
        AssessmentFactory, block__framework=factory.SelfAttribute("...session.framework")
    )
    starts_at = factory.LazyFunction(lambda: datetime.datetime(2025, 6, 10, 9, 0, tzinfo=datetime.UTC))
    place = "Paris, salle 2"


class SittingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sitting

    scheduled = factory.SubFactory(ScheduledAssessmentFactory)
    enrolment = factory.SubFactory(
        EnrolmentFactory, framework=factory.SelfAttribute("..scheduled.session.framework")
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    sitting = factory.SubFactory(SittingFactory)
    scheduled = factory.SelfAttribute("sitting.scheduled")
    evaluator = factory.SubFactory(UserFactory)
    rank = 1


# --- jury (models named by label, so this section needs no import) ----------------------------------
class DeliberationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jury.Deliberation"

    session = factory.SubFactory(SessionFactory)
    title = factory.Sequence(lambda n: f"Jury {n}")
    meets_on = datetime.date(2025, 7, 3)
    place = "Paris"
    created_by = factory.SubFactory(AdministratorFactory)


class JuryMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jury.JuryMember"

    deliberation = factory.SubFactory(DeliberationFactory)
    user = factory.SubFactory(
        UserFactory, first_name="Claire", last_name=factory.Sequence(lambda n: f"Juré{n}")
    )
    role = "external_professional"
    is_professional = True
    side = "employer"
    organisation = factory.Sequence(lambda n: f"Entreprise {n}")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jury.Decision"

    deliberation = factory.SubFactory(DeliberationFactory)
    enrolment = factory.SubFactory(
        EnrolmentFactory, framework=factory.SelfAttribute("..deliberation.session.framework")
    )
    proposed_result = "certified"
    result = "certified"


class BlockDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "jury.BlockDecision"

    decision = factory.SubFactory(DecisionFactory)
    block = factory.SubFactory(
        BlockFactory, framework=factory.SelfAttribute("..decision.enrolment.framework")
    )
    proposed_status = "validated"
    validated = True
    source = "graded"
