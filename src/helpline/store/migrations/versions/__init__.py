"""Schema revisions, oldest first; each is written out by hand and never edited after release."""
