"""The `mdo` command line and the settings it builds once and passes down to every stage."""
