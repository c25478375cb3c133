"""possim for Locust: ``locustfile.py`` here is the Locust file (``possim load --locustfile`` prints its path).

This package imports nothing from Locust; only the Locust file does, when Locust loads it
(``pip install '.[load]'`` from a clone of possim brings Locust).
"""
