"""The indicator parameters (``*.yaml``), installed as ``workbench.parameters.indicators``."""
