// Package progress is the progress bar that sora.batch and sora.update_all
// show, on the writer of the sora module's Options.Progress, while they
// send more than Threshold requests: the count done, the rate and, once
// some failed, how many. It knows nothing of Lua or of Sora: package
// bindings/sora calls Add as requests end and Close when the call returns.
package progress
