// Package target is the emulator's one table of the targets it serves on
// `POST /`: their full x-sora-target names with the API version Shiguredo's
// own tools send (Sora_20201124.PutSignalingNotifyMetadata, ...), the
// handler each selects, and whether it takes an empty body. The emulator's
// API dispatches with it, its faults name targets with it (full or action
// names), and a test in e2e pins it to the client's table, written apart.
//
// Like the rest of the emulator, it imports nothing of the project.
package target
