"""Source tables -> tidy observations: figures parsed, checked against the text, accounted for."""
