-- used by the scheduler tests: jobs.yaml must find it.
return args
