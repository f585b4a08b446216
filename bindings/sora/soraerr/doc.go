// Package soraerr classifies the errors of the sora module without a Lua
// state: Classify turns an error of the Sora client (or of the module)
// into the Fields of a script's error table (status, type, message,
// target), and Fields.Format renders them as the one line the table's
// __tostring, the run's failure list and update_all's warning show.
// Retarget makes a failed read stand for the dry-run write it preceded.
// Package bindings/sora builds the Lua tables from Fields.
package soraerr
