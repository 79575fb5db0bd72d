"""mkdocs hooks of the reference site (``hooks:`` in mkdocs.yml): links out of docs/.

README.md, SECURITY.md and CHANGELOG.md are written for GitHub, where a relative link points
into the repository. Their site pages include them (include-markdown, which rewrites their
relative links to start from the including page), so a link may now leave docs/. Such a link
goes to the site's page when the file is one (``SITE_PAGES``), and to the file on GitHub
otherwise. A link to a file that does not exist is left alone, so that ``mkdocs build
--strict`` fails on it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

# repository file -> the page of the site that includes it
SITE_PAGES = {"SECURITY.md": "security.md", "CHANGELOG.md": "changelog.md", "README.md": "index.md"}
# a Markdown link whose target climbs out of the page's folder: ](../x/y.md#anchor)
OUTWARD_LINK = re.compile(r"\]\((?P<path>(?:\.\./)+[^)#\s]*)(?P<anchor>#[^)\s]*)?\)")


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Point each link that leaves docs/ at the site page or the repository file it means."""
    root = Path(config["config_file_path"]).resolve().parent
    docs = Path(config["docs_dir"]).resolve()
    page_dir = (docs / page.file.src_path).parent
    repository = config["repo_url"].rstrip("/")

    def retarget(link: re.Match[str]) -> str:
        target = (page_dir / link["path"]).resolve()
        anchor = link["anchor"] or ""
        if target.is_relative_to(docs) or not target.is_relative_to(root) or not target.exists():
            return link[0]
        in_repo = target.relative_to(root).as_posix()
        if in_repo in SITE_PAGES:
            return f"]({os.path.relpath(docs / SITE_PAGES[in_repo], page_dir)}{anchor})"
        kind = "tree" if target.is_dir() else "blob"
        return f"]({repository}/{kind}/main/{in_repo}{anchor})"

    return OUTWARD_LINK.sub(retarget, markdown)
