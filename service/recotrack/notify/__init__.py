"""Mail to people: reminders of due dates, rendered (`reminder`) and sent over SMTP (`smtp`).

Between the worker (which will run the daily reminder pass) and the domain: it reads no
database and serves no HTTP (the import contracts in pyproject hold that).
"""
