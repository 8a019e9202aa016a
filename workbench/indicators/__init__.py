"""Supervision indicators (监督指标): registry, context of a period, business-line modules,
and the runner. ``registry.all_indicators()`` lists every registered indicator."""
