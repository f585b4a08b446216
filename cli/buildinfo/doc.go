// Package buildinfo says which soracron a binary is: the version (a
// release's tag, the module version Go derived from the commit of a source
// build, or "(devel)"), the commit and its time, the build time and the Go
// toolchain and platform, as `soracron version` and --version print them.
//
// The toolchain's embedded build information is read at run time; release
// builds stamp version, revision and build time with the linker into
// package cli's variables (cli.version, cli.revision, cli.buildTime), which
// cli hands to Read and which win.
package buildinfo
