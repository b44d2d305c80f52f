# flowrunner container image: a static binary on distroless, running as nonroot.
#
#   docker build -t flowrunner .
#   docker run --rm flowrunner validate /flows
#   docker run -v "$PWD/ari-password:/run/secrets/ari-password:ro"
#     -e FLOWRUNNER_ARI_URL=http://asterisk:8088/ari -e FLOWRUNNER_ARI_USER=flowrunner
#     -e FLOWRUNNER_ARI_PASSWORD_FILE=/run/secrets/ari-password flowrunner
#
# Running it on Kubernetes (one instance per Asterisk node, flows from a
# ConfigMap, secrets from a Secret, probes, drain): docs/kubernetes.md and
# deploy/kubernetes/. deploy/dockerfile_test.go checks this file against go.mod
# and the serve command.

# Build stage. The minor version is go.mod's `go` line (1.26.x); the golang
# image sets GOTOOLCHAIN=local, so it must be at least that patch release,
# which the 1.26 tag (the newest 1.26.x) is.
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, in their own layer: editing code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# No cgo: a static binary that runs on distroless/static (no libc).
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/flowrunner ./cmd/flowrunner

# Final stage: no shell, no package manager; CA certificates and tzdata are
# included (set TZ if flows branch on now(): the default is UTC). User nonroot
# (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flowrunner /flowrunner
# The repository's flows, so the image serves something as it is. On
# Kubernetes a ConfigMap is mounted over /flows (docs/kubernetes.md).
COPY flows/ /flows/
# The admin endpoint (GET /healthz, /readyz, /metrics, ...).
#
# It is deliberately left on serve's default, loopback (127.0.0.1:9090), and
# not set to 0.0.0.0:9090 here: serve refuses to start (exit 2) on a
# non-loopback --admin-listen without a token, unless
# FLOWRUNNER_ADMIN_ALLOW_INSECURE=true. The image cannot hold a token, and
# allowing insecure by default would let anything that reaches the pod
# originate calls (POST /calls) and reload flows. So the image starts as it
# is, and whoever runs it exposes the endpoint together with a token file,
# as deploy/kubernetes/ does:
#
#   FLOWRUNNER_ADMIN_LISTEN=0.0.0.0:9090
#   FLOWRUNNER_ADMIN_TOKEN_FILE=/var/run/secrets/flowrunner/admin-token   (a Secret volume)
#
# EXPOSE documents the port that configuration serves on.
EXPOSE 9090
# Docker's own health check: no shell or curl here, so flowrunner asks itself
# (GET /readyz on the admin endpoint, wherever FLOWRUNNER_ADMIN_LISTEN puts it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD ["/flowrunner", "healthcheck"]
ENTRYPOINT ["/flowrunner"]
CMD ["serve", "--flows", "/flows"]
