# soracron container image.
#
#   docker build -t soracron .
#   docker run -d --name soracron \
#     -v soracron-state:/var/lib/soracron \
#     -v "$PWD/jobs.yaml:/etc/soracron/jobs.yaml:ro" -v "$PWD/scripts:/etc/soracron/scripts:ro" \
#     -e SORACRON_SORA_URL=https://sora.example.com/api/ -e SORA_API_TOKEN \
#     --stop-timeout 35 -e SORACRON_SHUTDOWN_TIMEOUT=30s \
#     soracron
#
# Configuration is by SORACRON_<FLAG> variables (a flag given after the image
# name wins over them). Docker stops a container with SIGTERM and kills it
# after --stop-timeout (10 s by default): keep SORACRON_SHUTDOWN_TIMEOUT below it.
# The HTTP API listens on loopback inside the container; to publish it, set
# SORACRON_LISTEN=0.0.0.0:8080 and SORACRON_TOKEN_FILE (a secret, mode 600 or
# 640), and set the address with SORACRON_LISTEN, not --listen, so that the
# health check follows it.

ARG GO_VERSION=1.26

# Build stage: the same script CI runs (scripts/build-static): no cgo,
# -trimpath, and a check that the binary is static.
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
RUN VERSION="${VERSION}" scripts/build-static /out/soracron \
 && mkdir -p /out/state

# Run stage: CA certificates, tzdata and the nonroot user (65532), nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/soracron /usr/local/bin/soracron
COPY --from=build --chown=65532:65532 /out/state /var/lib/soracron
COPY jobs.yaml /etc/soracron/jobs.yaml
COPY scripts/*.lua /etc/soracron/scripts/
USER 65532:65532
ENV SORACRON_CONFIG=/etc/soracron/jobs.yaml \
    SORACRON_STATE=/var/lib/soracron/soracron.db \
    SORACRON_LOG_FORMAT=json \
    SORACRON_SHUTDOWN_TIMEOUT=8s
VOLUME ["/var/lib/soracron"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/soracron", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/soracron"]
CMD ["serve"]
