"""Importing a register from CSV, XLSX or JSON (issue 2 §5).

Reading (`readers`), matching columns to register fields (`mapping`), turning cells into field values
(`convert`) and the all-or-nothing write (`service`) are separate so the command line and the web import
share every step. Generous in what it accepts, exact in what it reports.
"""
