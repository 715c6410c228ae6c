"""Reading the data files the application ships (rules, questionnaires): one place that turns a missing
or malformed YAML file into the caller's error, naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class _StringDateLoader(yaml.SafeLoader):
    """A safe loader that leaves timestamps as strings, for files whose schema checks dates itself."""


_StringDateLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path, error: type[Exception], *, dates_as_strings: bool = False) -> Any:
    """The YAML content of `path`; raise `error("<file>: cannot be read: …")` if it cannot be read."""
    loader = _StringDateLoader if dates_as_strings else yaml.SafeLoader
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - both loaders are safe
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path.name}: cannot be read: {exc}") from exc
