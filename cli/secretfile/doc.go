// Package secretfile reads the files that hold a secret: the API token of
// --token-file, the headers of --header-file, TLS client keys. A file that
// users other than its owner and group can access is refused; one its
// group can read is allowed with a warning (that is how systemd's
// LoadCredential= and Kubernetes Secret volumes with an fsGroup hand a file
// to a service). Files are bounded to a few lines (MaxSize). ReadToken
// reads the bearer token of the daemon's API (--token-file).
//
// Windows has no such modes; nothing is checked there.
package secretfile
