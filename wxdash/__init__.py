"""wxdash: a terminal dashboard for WeChat mini programs' server domains."""

__version__ = "0.1.0"
