from django.db import models


class WorkerHeartbeat(models.Model):
    """When each Celery worker last ran the beat's heartbeat task."""

    worker = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"{self.worker} at {self.last_seen:%Y-%m-%d %H:%M}"


class ClosureDay(models.Model):
    """A day the council is closed that is not a weekend or bank holiday (a Christmas closure day, say):
    not a working day for any deadline (bromley_portal.core.working_days). Admins add them."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, help_text='Why, e.g. "Christmas closure".')

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%-d %B %Y}: {self.reason}"
