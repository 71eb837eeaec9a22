"""The legacy systems bots drive, as every worker of a deployment sees them.

What one worker learns about a system (it stopped answering, it answers again) and how
many bots work on it at once are kept in the records database, shared by all workers:
a system that is down is paused for everyone, and its accounts or licences are counted
across workers, not per worker.
"""
