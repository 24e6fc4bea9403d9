"""factory_boy factories for the annotation models."""

import factory
from django.contrib.auth import get_user_model

from annotations import models
from annotations.services.schemes import scheme_ensure_default
from annotations.text import text_sha256


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-test-123")


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Outlet
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Outlet {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Article

    external_id = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = factory.SubFactory(OutletFactory)
    text = "Asif 😀 said “the talks are over” on Friday in Istanbul."
    text_sha256 = factory.LazyAttribute(lambda article: text_sha256(article.text))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AnnotationSession

    name = factory.Sequence(lambda n: f"Session {n}")
    scheme = factory.LazyFunction(scheme_ensure_default)


def session_with_team(
    *, articles, reviewers, adjudicators=(), blind=True, required_reviewers=None
):
    """A session over `articles` with the given reviewer/adjudicator users."""
    session = SessionFactory(
        blind=blind,
        required_reviewers=required_reviewers or max(1, len(reviewers)),
    )
    for position, article in enumerate(articles):
        models.SessionArticle.objects.create(
            session=session, article=article, position=position
        )
    for user in reviewers:
        models.SessionMembership.objects.create(
            session=session, user=user, role=models.SessionMembership.Role.REVIEWER
        )
    for user in adjudicators:
        models.SessionMembership.objects.create(
            session=session, user=user, role=models.SessionMembership.Role.ADJUDICATOR
        )
    return session
