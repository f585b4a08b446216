// Package archtest holds the test that enforces soracron's import
// direction: cli -> scheduler -> engine -> bindings -> sora, with jobs
// imported by cli and scheduler, and emulator importing nothing of the
// project. It has no code of its own; see imports_test.go.
package archtest
