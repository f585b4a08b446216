// Package plan holds the parts of the sora module that never touch a Lua
// state, so they are tested with plain Go values:
//
//   - Request, one API request with its body encoded up front;
//   - Overlay, a dry run's view of the metadata its writes changed, and the
//     Plan (with Plan.Text) it reports at the end of the run;
//   - Pool, which sends the requests of sora.batch and sora.update_all from
//     a pool of goroutines while the Lua goroutine produces and consumes
//     them.
package plan
