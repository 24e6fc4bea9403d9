"""The workbench Django project; importing it loads the Celery app."""

from workbench.celery import app as celery_app

__all__ = ("celery_app",)
