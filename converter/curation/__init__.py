"""Curating the registry and adding editions: proposals for labels the registry does not know."""
