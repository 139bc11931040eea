"""The version of outreach: its one home, read by the package build too
(``[tool.hatch.version]`` in pyproject.toml) and by ``outreach --version``.

>>> from outreach._version import __version__
>>> __version__.count(".")
2
"""

__version__ = "0.1.0"
