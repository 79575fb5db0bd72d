"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI description.

Actions are applied in order. ``update`` merges recursively (objects merge, arrays gain the
items they lack, scalars are replaced); ``remove: true`` deletes the target. An action whose
target matches nothing is reported by its description instead of being skipped silently,
because it means the upstream document changed under the fix.

Example::

    >>> doc = {"a": {"b": 1}}
    >>> result = apply_overlay(doc, {"overlay": "1.0.0", "actions": [
    ...     {"target": "$.a", "description": "set-c", "update": {"c": 2}}]})
    >>> result.document, result.unmatched
    ({'a': {'b': 1, 'c': 2}}, [])
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonpath_ng.ext import parse as parse_jsonpath


@dataclass
class OverlayResult:
    """The overlaid document and the descriptions of the actions whose target matched nothing."""

    document: dict[str, Any]
    unmatched: list[str] = field(default_factory=list)


class OverlayError(Exception):
    """The overlay document itself is malformed."""


def merge(target: Any, update: Any) -> Any:
    """Merge ``update`` into ``target`` the way an Overlay ``update`` action does."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(update, list):
        target.extend(copy.deepcopy(item) for item in update if item not in target)
        return target
    return copy.deepcopy(update)


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any]) -> OverlayResult:
    """Return a copy of ``document`` with every action of ``overlay`` applied."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an OpenAPI Overlay 1.x document (missing 'overlay: 1.0.0')")
    result = OverlayResult(document=copy.deepcopy(document))
    for index, action in enumerate(overlay.get("actions") or []):
        name = action.get("description") or f"action #{index + 1}"
        if "target" not in action:
            raise OverlayError(f"overlay action {name!r} has no target")
        matches = parse_jsonpath(action["target"]).find(result.document)
        if not matches:
            result.unmatched.append(f"{name} (target {action['target']})")
            continue
        if action.get("remove"):
            # last match first: deleting a list item must not shift the items still to delete
            matches = list(reversed(matches))
        for match in matches:
            if action.get("remove"):
                match.full_path.filter(lambda _: True, result.document)
            elif "update" in action:
                merged = merge(match.value, action["update"])
                if merged is not match.value:
                    match.full_path.update(result.document, merged)
    return result


def load_yaml(path: Path) -> Any:
    """Load a YAML (or JSON, its subset) file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dump_yaml(document: Any) -> str:
    """Serialise deterministically, keeping the document's key order."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
