from django.db import models


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the beat's heartbeat task."""

    worker = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"{self.worker} at {self.last_seen:%Y-%m-%d %H:%M}"
