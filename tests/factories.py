"""factory_boy factories for the registry."""

import factory
from django.contrib.auth import get_user_model

from certiflow.frameworks.models import Assessment, Block, Certification, Competency, Criterion, Framework


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
