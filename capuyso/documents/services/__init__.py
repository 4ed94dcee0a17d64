"""Writes of the documents app, split by feature: config, numbering, incoming, outgoing."""
