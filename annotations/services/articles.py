"""Article writes: creation and the immutability of annotated text."""

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Article, GoldSpan, Outlet, SpanAnnotation
from annotations.text import text_sha256


def article_text_locked(article: Article) -> bool:
    """True once any reviewer or gold span points into the article's text."""
    if article.pk is None:
        return False
    return (
        SpanAnnotation.objects.filter(article_id=article.pk).exists()
        or GoldSpan.objects.filter(article_id=article.pk).exists()
    )


def article_validate_text_change(article: Article, new_text: str) -> None:
    """Refuse to change the text of an article that has annotations."""
    if article.pk is None:
        return
    stored = (
        Article.objects.filter(pk=article.pk).values_list("text", flat=True).first()
    )
    if stored is not None and stored != new_text and article_text_locked(article):
        raise ValidationError(
            {
                "text": (
                    "This article already has annotations, so its text cannot change: "
                    "their offsets would no longer point at the same words. Create a "
                    "new article instead."
                )
            }
        )


def outlet_get_or_create(*, name: str, domain: str = "") -> Outlet | None:
    name = name.strip()
    if not name:
        return None
    outlet, _ = Outlet.objects.get_or_create(name=name, defaults={"domain": domain})
    return outlet


@transaction.atomic
def article_upsert(
    *,
    external_id: str,
    text: str,
    title: str = "",
    outlet_name: str = "",
    outlet_domain: str = "",
    byline: str = "",
    published_text: str = "",
    published_date=None,
    url: str = "",
) -> tuple[Article, bool]:
    """Create or update an article by `external_id`; returns (article, changed)."""
    outlet = outlet_get_or_create(name=outlet_name, domain=outlet_domain)
    values = {
        "text": text,
        "text_sha256": text_sha256(text),
        "title": title,
        "outlet": outlet,
        "byline": byline,
        "published_text": published_text,
        "published_date": published_date,
        "url": url,
    }
    article = (
        Article.objects.select_for_update().filter(external_id=external_id).first()
    )
    if article is None:
        article = Article(external_id=external_id, **values)
        article.full_clean()
        article.save()
        return article, True
    changed = [
        name for name, value in values.items() if getattr(article, name) != value
    ]
    if not changed:
        return article, False
    article_validate_text_change(article, text)
    for name in changed:
        setattr(article, name, values[name])
    article.full_clean()
    article.save(update_fields=changed)
    return article, True
