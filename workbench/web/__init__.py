"""The web side of the office: login and sessions for the Panel server (``workbench serve``)."""
