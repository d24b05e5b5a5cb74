"""Fee realization: what each ATS event is worth, and the run that keeps fees current."""
