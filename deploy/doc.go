// Package deploy holds flowrunner's deployment manifests and their checks. It
// has no code of its own.
//
// kubernetes/ holds the manifests for running one flowrunner instance per
// Asterisk node on Kubernetes: a StatefulSet with one replica and a headless
// Service per node (flowrunner-node1.yaml, flowrunner-node2.yaml), the flows
// ConfigMap (configmap-flows.yaml), an example Secret (secret.example.yaml)
// and a Kustomization. docs/kubernetes.md explains them.
//
// The tests keep the manifests and the repository's Dockerfile in step with
// the code, without a cluster or a Docker daemon: every argument and
// FLOWRUNNER_* variable is one serve has (read from the source of
// cmd/flowrunner), the probes point at /readyz and /healthz on the admin port
// with the admin token, the admin endpoint would not be refused at start, the
// termination grace period outlasts the drain, each Asterisk node has exactly
// one instance, the flows in the ConfigMap load with serve's loader, and the
// Dockerfile builds ./cmd/flowrunner with go.mod's Go version.
package deploy
