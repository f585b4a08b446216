// Package push holds the emulator's push messages: the exact bytes each
// recipient gets from the metadata writes (with push: true) and the Push*
// targets, with the key order of the vendor's recorded messages, and the
// Log that records every delivery in a bounded ring and streams it to live
// subscribers without ever blocking the writer.
//
// Like the rest of the emulator, it imports nothing of the project.
package push
