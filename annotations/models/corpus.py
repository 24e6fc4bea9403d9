"""The corpus: outlets, articles, and the canonical names of cited sources."""

from django.db import models
from django.db.models import Q


class Outlet(models.Model):
    """The publisher of an article."""

    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# An article's own words and where they appeared, in the order every read,
# write and form of them keeps.
ARTICLE_CONTENT_FIELDS = (
    "title",
    "byline",
    "published_text",
    "published_date",
    "url",
    "text",
)


class Article(models.Model):
    """One news article; its text is immutable once annotated."""

    external_id = models.SlugField(max_length=100, unique=True)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    title = models.CharField(max_length=500, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    # The date exactly as the article states it, and its parsed form if any.
    published_text = models.CharField(max_length=100, blank=True)
    published_date = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    # Reading direction; blank: detected from the text (text.text_direction).
    direction = models.CharField(
        max_length=3,
        blank=True,
        default="",
        choices=[
            ("", "Detect from the text"),
            ("ltr", "Left to right"),
            ("rtl", "Right to left"),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["external_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(text_sha256__regex=r"^[0-9a-f]{64}$"),
                name="article_sha256_hex",
            ),
        ]
        # The intake's duplicate checks look articles up by text and by URL.
        indexes = [
            models.Index(fields=["text_sha256"], name="article_text_sha256"),
            models.Index(fields=["url"], name="article_url"),
        ]

    def __str__(self) -> str:
        return self.title or self.external_id

    @property
    def display_title(self) -> str:
        return self.title or f"Untitled article {self.external_id}"


class SourceAlias(models.Model):
    """Maps a normalised spelling of a cited source to its canonical name."""

    alias = models.CharField(max_length=300, unique=True)
    canonical = models.CharField(max_length=300)

    class Meta:
        ordering = ["canonical", "alias"]
        verbose_name_plural = "source aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.canonical}"
