// Package cli is soracron's command line: the cobra tree of subcommands,
// one file per command (run.go, serve.go, check.go, emulator.go, ...).
// Each file holds its command's definition (use, help, examples, flags and
// arguments) and the wiring from the flags to the packages that do the
// work; root.go builds the tree and turns errors into exit codes.
//
// The heavier implementations live in packages under cli/, each imported
// by cli only:
//
//   - exitcode: the exit codes (0 ok, 1 failed, 2 usage, 3 partial) and
//     the error that carries one out of a command;
//   - daemonclient: the client of serve's HTTP API and the rendering of its
//     answers (jobs, runs, logs, trigger, suspend, resume, healthcheck);
//   - soraconn: how run, repl and serve reach Sora (flags, headers, the
//     in-process emulator), with secretfile for the files that hold secrets;
//   - scriptargs: the script's args from --arg and --args-json;
//   - runreport: what a run writes when it ends and its exit code;
//   - jobcheck: what check reports about a jobs file and its scripts;
//   - emulatorserver: the emulator as the standalone server of `soracron
//     emulator`;
//   - repl: the REPL's session, line editing and completion;
//   - daemonhttp: the HTTP servers of serve and the rules of its token;
//   - flagenv: every flag set from its SORACRON_* variable;
//   - completion: shell completion of flag values and job names;
//   - buildinfo: which soracron this is (version, commit, build time);
//   - logformat: the process logger of --log-format and --log-level;
//   - plural: counts in English ("3 jobs").
//
// Tests run whole command lines in-process through Execute with an App of
// their own (streams and environment), against the emulator, a test HTTP
// server or a serve started the same way.
package cli
