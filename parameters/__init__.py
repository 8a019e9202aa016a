"""The parameters files (``*.yaml``), installed as the package data ``workbench.parameters``.

``workbench.params`` reads them through ``importlib.resources``, in a wheel as in a checkout;
``WORKBENCH_PARAMETERS`` points to another folder of the same layout."""
