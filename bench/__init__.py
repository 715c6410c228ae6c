"""The benchmark behind `make bench` (PRODUCT.md §4): run with `python -m bench.run`."""
