// Package scriptargs builds the `args` table a script sees from the
// command line of run and trigger: --arg KEY=VALUE gives a string,
// --args-json a JSON object whose values keep their JSON types (numbers
// exactly, as json.Number), --arg winning for a key given both ways.
//
// The JSON is read more strictly than encoding/json reads it: a key given
// twice in an object and a number beyond the range of a double are refused
// (with the path of the value, args.o.x or args.a[1]), where they would
// otherwise lose data without a word.
package scriptargs
