"""The contract register's statuses (seed 004, Appendix 2), each with its label, short label and colour."""

from bromley_portal.core.choices import StatusChoices, register_status_set, status


class ProcurementStatus(StatusChoices):
    """A contract's procurement status on a date.

    The portal flags a contract as approaching its end from its total value and the months left
    (FlaggingRule); the Assistant Director Governance & Contracts gives a flagged contract a manual
    Red, Amber or Green (ProcurementRating). A flagged contract not rated yet is AWAITING; a contract
    not flagged is NEUTRAL.
    """

    RED = status(
        "red",
        "Red: potential issues or tight timescales",
        short="Red",
        colour="red",
        description="there are potential issues with the contract or the timescales are tight and it "
        "requires close monitoring",
    )
    AMBER = status(
        "amber",
        "Amber: procurement action in progress or due to start",
        short="Amber",
        colour="orange",
        description="appropriate procurement action is either in progress or should be commencing shortly",
    )
    GREEN = status(
        "green",
        "Green: procurement action taken or time enough",
        short="Green",
        colour="green",
        description="appropriate procurement action has been successfully taken or there is still "
        "sufficient time to commence and complete a procurement action",
    )
    AWAITING = status(
        "awaiting",
        "Approaching its end: RAG not set yet",
        short="No RAG yet",
        colour="purple",
        description="flagged as approaching its end date and waiting for a RAG rating",
    )
    NEUTRAL = status(
        "neutral",
        "Neutral: not approaching its end",
        short="Neutral",
        colour="grey",
        description="not flagged as approaching its end date",
    )

    @classmethod
    def rated(cls) -> list["ProcurementStatus"]:
        """The statuses the Assistant Director chooses from."""
        return [cls.RED, cls.AMBER, cls.GREEN]


# The register's order of procurement statuses (after contracts of concern): worst first.
PROCUREMENT_ORDER = [
    ProcurementStatus.RED,
    ProcurementStatus.AMBER,
    ProcurementStatus.GREEN,
    ProcurementStatus.AWAITING,
    ProcurementStatus.NEUTRAL,
]


class RiskLevel(StatusChoices):
    """The risk index as the register reports it: Higher or Lower Risk by the threshold."""

    HIGHER = status(
        "higher", "Higher Risk", short="Higher", colour="red", description="at or above the threshold"
    )
    LOWER = status("lower", "Lower Risk", short="Lower", colour="green", description="below the threshold")
    NOT_SCORED = status(
        "not_scored",
        "Not scored",
        colour="grey",
        description="not every risk criterion has a score yet",
    )


# The register's funding types: most contracts are revenue-funded; capital ones go at the foot.
FUNDING_LABELS = {False: "Revenue", True: "Capital"}

# The lowest whole-life value of a contract on the register (Appendix 2: "£50k or higher").
REGISTER_THRESHOLD = 50_000

# Each risk criterion is scored from 0 (no risk) to this.
RISK_SCORE_MAX = 5

register_status_set("procurement_status", ProcurementStatus)
register_status_set("risk_level", RiskLevel)
