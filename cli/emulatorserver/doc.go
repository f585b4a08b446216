// Package emulatorserver runs the Sora emulator as a standalone server for
// `soracron emulator`: it loads the fixture and the generated connections
// of the flags, turns the fault flags into one fault rule (FaultFlags),
// starts the event webhooks, prints what it serves (channels with their
// first connection ids, faults, a warning for a non-loopback address) and
// serves until its context ends.
//
// The emulator itself (package emulator) imports nothing of the project;
// this package is the command line's side of it. The command's definition
// and help stay in package cli.
package emulatorserver
