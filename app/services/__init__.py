"""The rules of Charla: validate, authorise, write in one transaction.

Each area has one module; reads are `get_*`/`access_*` (the latter abort with
404/403), writes are verbs that commit once and record their events in the
same transaction.
"""
