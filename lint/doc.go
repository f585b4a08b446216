// Package lint checks soracron scripts statically, with gopher-lua's parser,
// for the mistakes that otherwise show at run time, often at night:
//
//   - a member a soracron module does not have (sora.lst, json.encod), read,
//     called or assigned, when the module is the value of
//     local x = require("sora"), of a global assigned from require, or
//     require("sora") itself: an error, with the closest names;
//   - a global that is read but assigned nowhere in the file and is not a
//     global of the sandbox (prnt, io, a misspelt local): a warning;
//   - a field of a standard library the sandbox leaves out (os.execute,
//     string.dump) that the script does not define itself: a warning;
//   - a syntax error: an error.
//
// Each Diagnostic has the file and line. Check does not run the script,
// follow require of the script's own modules, or track values through
// tables or function calls: what it reports is certain, what it does not
// report may still be wrong.
package lint
