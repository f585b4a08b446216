-- Always fails.
error("boom")
