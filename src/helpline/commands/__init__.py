"""The commands of ``helpline``, one module per command or group (``helpline.cli``
puts them together under ``main``).

Why this exists: ``serve`` alone has twenty options and the admin group five
commands; each reads best on its own, with what they share in ``common.py``.
"""
