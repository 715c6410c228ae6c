"""Exporting the register: our JSON (with its JSON Schema), CSV and XLSX that re-import to the same records,
the interoperable Algoritmeregister and ATRS formats, and the open-data export of the public fields."""
