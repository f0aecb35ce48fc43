"""Exports to CSV and Excel that a spreadsheet cannot turn against the person who opens them."""

from django_tables2.export import TableExport
from tablib import Dataset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Text that a spreadsheet would run as a formula is written with a leading apostrophe.

    Excel and LibreOffice treat a cell beginning = + - @ as a formula (CSV injection); the
    apostrophe makes it text. Imports strip it again (bromley_portal.core.tabular.unneutralise).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeTableExport(TableExport):
    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        safe = Dataset(title=dataset.title, headers=dataset.headers)
        for row in dataset:
            safe.append([neutralise_formula(value) for value in row])
        return safe
