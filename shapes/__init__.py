"""The validation stage: the SHACL shapes (the .ttl files here) and the code that applies them."""
