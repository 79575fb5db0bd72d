"""The ``sinch-keys`` console script's entry point: the command line lives in
:mod:`sinch_keys.cli`; this name stays importable for the ``[project.scripts]`` entry.

Example::

    from sinch_keys._cli import main
    main()
"""

from __future__ import annotations

from sinch_keys.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
