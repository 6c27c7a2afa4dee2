"""Observations -> RDF: the Data Cube, the catalogue, and the dumps written from them."""
