"""Monitor Digitale Overheid as linked data: from report text to tidy observations and RDF.

The flow reads one way: source text -> source tables (rows with their place in the source)
-> tidy observations -> RDF graph -> validation / serving.
"""
