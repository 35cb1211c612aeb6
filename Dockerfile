# syntax=docker/dockerfile:1
# `svcgraph serve` as a small, non-root image: the release binary on distroless (glibc and
# CA certificates, no shell, no package manager), run as distroless' `nonroot` user (65532).
#
#   docker build -t svcgraph .
#   docker run --rm -p 127.0.0.1:7676:7676 svcgraph --url http://prometheus.example:9090
#
# The entrypoint listens on every address of the container, so that a port mapping or a
# Kubernetes Service reaches it; publish it on loopback (as above) or behind your own proxy,
# since svcgraph serve has no authentication. deploy/gke-gmp/components/serve runs it on GKE.

# The toolchain: at least the workspace's rust-version (1.88), on the Debian release of the
# runtime image below (bookworm = debian12), so that the binary needs no newer glibc than
# the runtime has.
FROM docker.io/library/rust:1.95.0-slim-bookworm AS build
WORKDIR /src
COPY . .
# The lock file as committed (--locked); the registry and target caches only speed up rebuilds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p svcgraph \
    && cp target/release/svcgraph /usr/local/bin/svcgraph

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/svcgraph /usr/local/bin/svcgraph
# distroless' `nonroot`, by number so that Kubernetes can check runAsNonRoot
USER 65532:65532
EXPOSE 7676
ENTRYPOINT ["svcgraph", "serve", "--listen", "0.0.0.0:7676"]
