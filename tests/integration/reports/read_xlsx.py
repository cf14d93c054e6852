#!/usr/bin/env python3
"""Reads a workbook with openpyxl (an independent reader, not libxlsxwriter)
and prints it as JSON for reports_api_test.cc: per sheet its title, frozen
cell, auto-filter range and rows; a date cell becomes {"date": "<ISO>"} so
the test can tell a real Excel date from text."""
import datetime
import json
import sys

import openpyxl


def cell(value):
    if isinstance(value, datetime.datetime):
        return {"date": value.isoformat(timespec="seconds")}
    return value


def main(path):
    book = openpyxl.load_workbook(path)
    sheets = []
    for ws in book.worksheets:
        sheets.append({
            "title": ws.title,
            "freeze": ws.freeze_panes,
            "autofilter": ws.auto_filter.ref,
            "rows": [[cell(c) for c in row] for row in ws.iter_rows(values_only=True)],
        })
    json.dump({"sheets": sheets}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
