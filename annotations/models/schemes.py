"""The label scheme: claim types, sourcing levels, article questions."""

from django.db import models
from django.db.models import Q


class LabelScheme(models.Model):
    """A named set of claim types and sourcing levels, editable as data."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class ClaimType(models.Model):
    """A nominal claim-type label (after Full Fact's schema)."""

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="claim_types"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    color = models.CharField(max_length=7, default="#888888")
    shortcut = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="claimtype_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="claimtype_color"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class SourcingLevel(models.Model):
    """An ordinal sourcing-quality level; rank 1 is the best."""

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="sourcing_levels"
    )
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    rank = models.PositiveSmallIntegerField()
    # Optional score in [0, 1] for reliability; null = evenly spaced by rank.
    weight = models.FloatField(null=True, blank=True)
    shortcut = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="sourcinglevel_unique_code"
            ),
            models.UniqueConstraint(
                fields=["scheme", "rank"], name="sourcinglevel_unique_rank"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="sourcinglevel_rank"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0, weight__lte=1),
                name="sourcinglevel_weight_unit_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ArticleQuestion(models.Model):
    """An article-level question of a scheme (a credibility indicator).

    ``options`` is the ordered list of ``{"code", "label"}`` choices (worst to
    best for an ordinal question); a boolean question answers true/false and
    its options are the fixed yes/no (see `services/article_answers.py`).
    """

    class Type(models.TextChoices):
        NOMINAL = "nominal", "Nominal (one choice)"
        ORDINAL = "ordinal", "Ordinal (one point of an ordered scale)"
        MULTI = "multi", "Multi-select (a set of choices)"
        BOOLEAN = "boolean", "Yes / no"

    scheme = models.ForeignKey(
        LabelScheme, on_delete=models.CASCADE, related_name="article_questions"
    )
    code = models.SlugField(max_length=50)
    prompt = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=Type.choices)
    options = models.JSONField(default=list, blank=True)
    help = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="articlequestion_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(type__in=["nominal", "ordinal", "multi", "boolean"]),
                name="articlequestion_type_valid",
            ),
        ]

    BOOLEAN_OPTIONS = ({"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"})

    def __str__(self) -> str:
        return self.code

    @classmethod
    def shown_options(cls, type: str, options) -> list[dict]:
        """The ordered options a client shows (boolean: the fixed yes/no)."""
        if type == cls.Type.BOOLEAN:
            return [dict(option) for option in cls.BOOLEAN_OPTIONS]
        return list(options or [])
