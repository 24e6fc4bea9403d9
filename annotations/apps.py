"""App configuration."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Source-credibility annotations"

    def ready(self) -> None:
        # Register the tasks in every process (web too), so services can send
        # them by name (services.queue.task_get) without importing them.
        from annotations import tasks  # noqa: F401
