"""A sample user project: ``ci_keys`` is the user's code, ``test_ci_keys`` its tests, which
reach it only through the fixtures of the sinch-keys pytest plugin and ``emulated()``."""
