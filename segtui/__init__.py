"""segtui: ad-hoc customer segmentation in the terminal.

Importing the package is deliberately cheap (no Polars, no Textual) so that
``segtui --help`` starts fast; import the submodules you need.
"""

__version__ = "0.1.0"
