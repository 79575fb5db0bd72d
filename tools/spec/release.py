"""Releases that follow the spec diff: the change class, the version bump, the changelog entry.

An update of the vendor's description is one of four classes (``ChangeClass``):

* ``breaking``: the diff has a breaking change (tools/spec/diff.py decides which);
* ``additive``: the diff has changes, none breaking (a new field, operation, server...);
* ``docs``: ``openapi.yaml`` changed but the diff finds no semantic change (descriptions,
  summaries, examples: the generated docstrings change, the API does not);
* ``none``: ``openapi.yaml`` did not change (nothing to release).

The version bump follows the class (``bump``), by Semantic Versioning's rule for ``0.x``
("anything may change") made explicit:

=============  ================  ===================
class          while ``0.x.y``   from ``1.0.0`` on
=============  ================  ===================
breaking       minor (0.2.0)     major (2.0.0)
additive       patch (0.1.1)     minor (1.1.0)
docs           patch (0.1.1)     patch (1.0.1)
none           no release        no release
=============  ================  ===================

``1.0.0`` itself is a maintainer's decision, never the pipeline's: a breaking change at
``0.x`` moves the minor number, never to ``1.0``.

The entry (``changelog_entry``) is Keep a Changelog 1.1.0: a ``## [version] - date`` heading
and the standard sections (Removed, Changed, Deprecated, Added); a section holding a breaking
change comes before any section without one, breaking items come first inside it and start
with **Breaking:**. ``release_changelog`` puts the entry under ``## [Unreleased]``, above the
previous releases; what was under ``[Unreleased]`` ships in this release, so it moves into
the entry (after the API's changes, a ``**Breaking:**`` item among the breaking ones).

Example::

    >>> bump("0.1.0", ChangeClass.BREAKING), bump("0.1.0", ChangeClass.ADDITIVE)
    ('0.2.0', '0.1.1')
    >>> bump("1.4.2", ChangeClass.BREAKING), bump("1.4.2", ChangeClass.ADDITIVE)
    ('2.0.0', '1.5.0')
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from tools.spec.diff import Change, has_breaking


class ReleaseError(Exception):
    """The version or the changelog cannot be read or updated; the message says which."""


class ChangeClass(enum.StrEnum):
    """What an update of the vendor's description is, for a user of the SDK."""

    BREAKING = "breaking"
    ADDITIVE = "additive"
    DOCS = "docs"
    NONE = "none"


def classify(changes: Iterable[Change], curated_changed: bool) -> ChangeClass:
    """The class of an update whose semantic diff is ``changes``.

    ``curated_changed`` says whether ``openapi.yaml`` changed at all (a description-only
    change has no semantic change but is still a change).

    Example::

        >>> classify([], curated_changed=True), classify([], curated_changed=False)
        (<ChangeClass.DOCS: 'docs'>, <ChangeClass.NONE: 'none'>)
    """
    changes = list(changes)
    if has_breaking(changes):
        return ChangeClass.BREAKING
    if changes:
        return ChangeClass.ADDITIVE
    return ChangeClass.DOCS if curated_changed else ChangeClass.NONE


VERSION_PATTERN = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
VERSION_LINE = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)


def bump(version: str, change: ChangeClass) -> str:
    """The next version after ``version`` for a change of class ``change`` (table above).

    Raises ReleaseError for a version that is not ``MAJOR.MINOR.PATCH`` (a pre-release is
    cut by hand).

    Example::

        >>> bump("0.3.7", ChangeClass.DOCS), bump("0.3.7", ChangeClass.NONE)
        ('0.3.8', '0.3.7')
    """
    match = VERSION_PATTERN.match(version)
    if not match:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH; release it by hand")
    major, minor, patch = (int(part) for part in match.groups())
    if change is ChangeClass.NONE:
        return version
    if change is ChangeClass.BREAKING:
        return f"0.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
    if change is ChangeClass.ADDITIVE and major > 0:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def read_version(path: Path) -> str:
    """The ``__version__`` string of a ``_version.py`` file.

    Example::

        read_version(Path("sinch_keys/_version.py"))  # '0.1.0'
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReleaseError(f"cannot read the version from {path}: {exc}") from exc
    match = VERSION_LINE.search(text)
    if not match:
        raise ReleaseError(f'{path} has no line `__version__ = "X.Y.Z"`')
    return match.group(1)


def write_version(path: Path, version: str) -> None:
    """Replace the ``__version__`` line of ``path`` (the rest of the file is kept)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(VERSION_LINE.sub(f'__version__ = "{version}"', text, count=1), "utf-8")


# Keep a Changelog's sections, in the order an entry lists them when nothing is breaking
SECTIONS = ("Removed", "Changed", "Deprecated", "Added")
SECTION_OF_RULE = {
    "operation-removed": "Removed",
    "request-parameter-removed": "Removed",
    "request-property-removed": "Removed",
    "response-property-removed": "Removed",
    "request-enum-value-removed": "Removed",
    "response-enum-value-removed": "Removed",
    "security-scheme-removed": "Removed",
    "security-flow-removed": "Removed",
    "security-requirement-removed": "Removed",
    "server-removed": "Removed",
    "operation-deprecated": "Deprecated",
    "operation-added": "Added",
    "new-optional-request-parameter": "Added",
    "new-optional-request-property": "Added",
    "response-property-added": "Added",
    "request-enum-value-added": "Added",
    "response-enum-value-added": "Added",
    "security-scheme-added": "Added",
    "security-flow-added": "Added",
    "security-requirement-added": "Added",
    "server-added": "Added",
}
DOCS_ONLY_LINE = "Descriptions or examples in the API reference changed; the API did not."
CHANGELOG_HEADER = """\
# Changelog

All notable changes to this project are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).
Releases made by the spec-update pipeline follow the rule in tools/spec/release.py.

## [Unreleased]
"""


def section_of(change: Change) -> str:
    """The Keep a Changelog section a change is listed under (``Changed`` by default)."""
    if change.rule in SECTION_OF_RULE:
        return SECTION_OF_RULE[change.rule]
    if change.rule.endswith("-removed"):
        return "Removed"
    if change.rule.endswith("-added"):
        return "Added"
    return "Changed"


def plain(change: Change) -> str:
    """One changelog line for a change, in words (the diff's rule id left out)."""
    prefix = "**Breaking:** " if change.breaking else ""
    text = change.markdown()
    return f"{prefix}{text[0].upper()}{text[1:]}" if text else prefix.strip()


def changelog_entry(
    version: str,
    day: date,
    changes: Iterable[Change],
    change: ChangeClass,
    carried: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The Keep a Changelog entry for a release of ``version`` on ``day``.

    ``carried`` holds the items that were under ``[Unreleased]`` (section name -> bullets,
    as ``unreleased_items`` reads them): they ship in this release too, so they join it, after
    the API's changes; one that starts with ``**Breaking:**`` counts as breaking.

    Example::

        >>> print(changelog_entry("0.1.1", date(2025, 1, 6), [], ChangeClass.DOCS))
        ## [0.1.1] - 2025-01-06
        <BLANKLINE>
        ### Changed
        <BLANKLINE>
        - Descriptions or examples in the API reference changed; the API did not.
        <BLANKLINE>
    """
    grouped: dict[str, list[tuple[bool, str]]] = {name: [] for name in SECTIONS}
    for item in changes:
        grouped[section_of(item)].append((item.breaking, f"- {plain(item)}"))
    if change is ChangeClass.DOCS or not any(grouped.values()):
        grouped["Changed"].append((False, f"- {DOCS_ONLY_LINE}"))
    for name, bullets in (carried or {}).items():
        grouped.setdefault(name, []).extend(
            (bullet.startswith("- **Breaking:**"), bullet) for bullet in bullets
        )
    lines = [f"## [{version}] - {day.isoformat()}", ""]
    # sections holding a breaking change first, breaking items first (both sorts are stable)
    order = sorted(grouped, key=lambda name: not any(breaking for breaking, _ in grouped[name]))
    for name in order:
        items = sorted(grouped[name], key=lambda item: not item[0])
        if items:
            lines += [f"### {name}", "", *[text for _, text in items], ""]
    return "\n".join(lines)


UNRELEASED = re.compile(r"^## \[Unreleased\][^\n]*\n", re.MULTILINE | re.IGNORECASE)
RELEASE_HEADING = re.compile(r"^## \[", re.MULTILINE)


def insert_entry(changelog: str, entry: str) -> str:
    """``changelog`` with ``entry`` as its newest release (a new changelog if it is empty).

    The entry goes above the previous releases: after ``## [Unreleased]`` and whatever is
    under it, or, without that heading, before the first ``## [`` heading.

    Example::

        >>> text = insert_entry("", "## [0.1.1] - 2025-01-06\\n\\n### Added\\n\\n- x\\n")
        >>> text.index("## [Unreleased]") < text.index("## [0.1.1]")
        True
    """
    if not changelog.strip():
        changelog = CHANGELOG_HEADER
    entry = entry.rstrip("\n") + "\n\n"
    unreleased = UNRELEASED.search(changelog)
    start = unreleased.end() if unreleased else 0
    following = RELEASE_HEADING.search(changelog, start)
    if following is None:
        return changelog.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"
    at = following.start()
    before = changelog[:at].rstrip("\n") + "\n\n"
    return before + entry + changelog[at:]


def _unreleased_span(changelog: str) -> tuple[int, int] | None:
    heading = UNRELEASED.search(changelog)
    if heading is None:
        return None
    following = RELEASE_HEADING.search(changelog, heading.end())
    return heading.end(), following.start() if following else len(changelog)


def unreleased_items(changelog: str) -> dict[str, list[str]]:
    """The bullets under ``## [Unreleased]``, by ``###`` section (a bullet keeps its
    continuation lines; text outside a section counts as ``Changed``).

    Example::

        >>> unreleased_items("## [Unreleased]\\n### Fixed\\n- a\\n  more\\n## [0.1.0]\\n- b\\n")
        {'Fixed': ['- a\\n  more']}
    """
    span = _unreleased_span(changelog)
    items: dict[str, list[str]] = {}
    if span is None:
        return items
    section = "Changed"
    for line in changelog[span[0] : span[1]].splitlines():
        if line.startswith("### "):
            section = line[4:].strip()
        elif line.startswith(("- ", "* ")):
            items.setdefault(section, []).append("- " + line[2:])
        elif line.strip() and items.get(section):
            items[section][-1] += "\n" + line
        elif line.strip():
            items.setdefault(section, []).append("- " + line.strip())
    return items


def release_changelog(
    changelog: str, version: str, day: date, changes: Iterable[Change], change: ChangeClass
) -> tuple[str, str]:
    """``changelog`` with the release of ``version`` added, and that release's entry.

    What was under ``[Unreleased]`` ships in this release, so it moves into the entry and
    ``[Unreleased]`` is left empty.

    Example::

        text, entry = release_changelog(Path("CHANGELOG.md").read_text(), "0.1.1",
                                        date.today(), changes, ChangeClass.ADDITIVE)
    """
    entry = changelog_entry(version, day, changes, change, unreleased_items(changelog))
    span = _unreleased_span(changelog)
    if span is not None:
        changelog = changelog[: span[0]] + "\n" + changelog[span[1] :]
    return insert_entry(changelog, entry), entry
