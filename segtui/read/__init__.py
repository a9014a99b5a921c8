"""Reading: a transaction file → canonical, lazily scanned transactions.

``transactions.read_transactions`` is the entry point; the other modules each own one
concern of messy exports: ``formats`` (which reader, which encoding), ``mapping`` (which
column plays which role), ``dates`` and ``numbers`` (parsing values), ``columns``
(internal column names) and ``file_errors`` (the one-line error shape).
"""
