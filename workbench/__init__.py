"""Fund Supervision Workbench (基金监督工作台): the shared, tested package."""

__version__ = "0.1.0"
