"""``python -m sinch_keys``: the ``sinch-keys`` command line, for when the console script is
not on ``PATH``.

Example::

    $ python -m sinch_keys --version
    $ python -m sinch_keys list
"""

from __future__ import annotations

from sinch_keys._console import main

if __name__ == "__main__":
    main()
