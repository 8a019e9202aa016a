"""The Panel pages served by ``workbench serve`` (installed as ``workbench.apps``)."""
