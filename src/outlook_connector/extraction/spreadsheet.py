"""Excel workbooks: .xlsx through openpyxl (read-only, streaming) and .xls through xlrd."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from outlook_connector.extraction.archive import checked_zip
from outlook_connector.extraction.context import ExtractionContext, ExtractionFailed


def _emit_rows(title: str, rows: Iterable[Iterable[Any]], ctx: ExtractionContext) -> None:
    ctx.emit_line(title)
    for row in rows:
        cells = [str(value) for value in row if value is not None and value != ""]
        if cells:
            ctx.emit_line("\t".join(cells))


def extract_xlsx(data: bytes, ctx: ExtractionContext) -> None:
    import openpyxl

    label = "Excel workbook (.xlsx)"
    checked_zip(data, label, ctx.limits).close()
    try:
        # data_only: cached formula results instead of formulas, which openpyxl cannot compute
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise ExtractionFailed(f"{label} is corrupt or not a workbook: {exc}") from exc
    try:
        for sheet in workbook.worksheets:
            if hasattr(sheet, "reset_dimensions"):
                # The declared dimension may claim a million rows of 16,384 empty cells;
                # read only the cells the sheet really holds.
                sheet.reset_dimensions()
            _emit_rows(sheet.title, sheet.iter_rows(values_only=True), ctx)
    finally:
        workbook.close()


def extract_xls(data: bytes, ctx: ExtractionContext) -> None:
    import xlrd

    label = "Excel 97-2003 workbook (.xls)"
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ExtractionFailed(f"{label} is password-protected") from exc
        raise ExtractionFailed(f"{label} is corrupt or unsupported: {exc}") from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (sheet.row_values(row) for row in range(sheet.nrows))
            _emit_rows(sheet.name, rows, ctx)
            book.unload_sheet(index)
    finally:
        book.release_resources()
