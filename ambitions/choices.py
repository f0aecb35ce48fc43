"""The council's reference lists for the strategy and its structure."""

# The six portfolios of the contract register (seed 004), each with its PDS committee.
PORTFOLIOS = [
    ("ERC", "Executive, Resources and Contracts", "Executive, Resources and Contracts PDS Committee"),
    ("ACH", "Adult Care and Health", "Adult Care and Health PDS Committee"),
    ("ECS", "Environment and Community Services", "Environment and Community Services PDS Committee"),
    ("CEF", "Children, Education and Families", "Children, Education and Families PDS Committee"),
    ("RRH", "Renewal, Recreation and Housing", "Renewal, Recreation and Housing PDS Committee"),
    ("PPE", "Public Protection and Enforcement", "Public Protection and Enforcement PDS Committee"),
]
