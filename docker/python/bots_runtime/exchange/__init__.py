"""The file exchange: moves partners' files between S3 buckets and the Bots environment.

Run per rule by the stack's file-exchange CronJobs (``bots-entrypoint exchange --rule NAME``):
config.py reads the rules the program rendered, stores.py lists, reads and writes S3 prefixes and
directories, journal.py keeps what a run killed half-way left to finish, mover.py runs a rule.
"""
