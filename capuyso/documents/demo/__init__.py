"""Demo documents for `capuyso seed_demo`: a year of the Phú Cát Office's correspondence.

Every document is made through the services, so numbering, the audit trail, timelines,
notifications and read receipts are real. The services stamp "now"; each step therefore
runs at a planned moment of the year (office hours; weekends and holidays skipped) and the
rows it stamped are moved back to that moment right after it. Steps of all documents run
in time order, so arrival and issue numbers follow the dates in every registry.

Deadlines in the past cannot be given through the services: such a document is directed
with a stand-in date far in the future, replaced by the real one at the end.

The audit trail is left as it is: it records truthfully that the seed made the data.

    clock.py     office hours
    content.py   what the Office receives and sends (Vietnamese subjects, who handles what)
    base.py      the seeder's set-up, helpers and the time-ordered run
    incoming.py  registration, direction, handling, closing; the delegation
    outgoing.py  drafting, review, approval, issue and distribution; cells' reports
    seeder.py    the plan of the year and `seed_documents`
"""

from capuyso.documents.demo.seeder import DocumentsDemoResult, seed_documents

__all__ = ["DocumentsDemoResult", "seed_documents"]
