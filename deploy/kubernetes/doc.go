// Package kubernetes holds soracron's Kubernetes manifests (single-node/ and
// cluster/) and their test, which decodes every manifest strictly into the
// Kubernetes API types (an unknown field or a wrong type is an error),
// checks the references between them (volumes, ConfigMap and Secret keys,
// probe ports, selectors), runs `soracron check` on the jobs.yaml and
// scripts of the ConfigMap, and checks that the container's arguments and
// SORACRON_ variables are flags soracron has.
//
// It is a module of its own so that the Kubernetes libraries stay out of
// soracron's dependencies; CI runs it with `go test ./...` in this
// directory.
package kubernetes
