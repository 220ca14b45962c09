"""The bus: a doorbell that tells connected clients something new was stored.

The store is the truth; the bus may drop messages. Publishers publish only after
commit, and a subscriber that learns it lost something reads the store again.
"""
