"""What complaints lend other apps' pages and reports (bromley_portal.core.panels): the themes of the
complaints about a portfolio's divisions, beside the red and amber actions of its plan in the exception
report. Aggregates only: no complaint, complainant or case detail leaves the app this way."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q

THEMES_PER_PORTFOLIO = 3


def themes_for_portfolios(portfolio_ids, as_at: date) -> dict:
    """For each of these portfolios: the most common aspects of the stage 1 complaints about its divisions
    (Division.portfolio) received in the twelve months to ``as_at``, with how many and the share upheld
    (fully or partially) of those with an outcome. One grouped query, however many portfolios."""
    from bromley_portal.core.panels import LinkedItem
    from complaints.choices import AspectOutcome, AspectType, Stage
    from complaints.models import Aspect

    since = as_at - relativedelta(years=1)
    rows = (
        Aspect.objects.filter(
            mention__division__portfolio_id__in=list(portfolio_ids),
            mention__complaint__stage=Stage.STAGE_1,
            mention__complaint__received__gt=since,
            mention__complaint__received__lte=as_at,
        )
        .values("mention__division__portfolio_id", "mention__division__name", "type")
        .annotate(
            count=Count("pk"),
            upheld=Count("pk", filter=Q(outcome__in=AspectOutcome.upheld())),
            decided=Count("pk", filter=Q(outcome__in=AspectOutcome.decided())),
        )
        .order_by("mention__division__portfolio_id", "-count", "mention__division__name", "type")
    )
    result: dict = {}
    for row in rows:
        themes = result.setdefault(row["mention__division__portfolio_id"], [])
        if len(themes) == THEMES_PER_PORTFOLIO:
            continue
        upheld = (
            f"{round(100 * row['upheld'] / row['decided'])}% upheld" if row["decided"] else "none decided yet"
        )
        themes.append(
            LinkedItem(
                kind="Complaint theme",
                reference=row["mention__division__name"] + ":",
                title=AspectType(row["type"]).label,
                detail=f"{row['count']} complaint aspect{'s' if row['count'] != 1 else ''} in the twelve months "
                f"to {as_at:%-d %B %Y}; {upheld}",
            )
        )
    return result
