# syntax=docker/dockerfile:1
# authgate container image: a static binary (pure-Go SQLite and PostgreSQL drivers, CGO off) on
# distroless/static, running as the unprivileged "nonroot" user (uid 65532).
#   docker build -t authgate --build-arg VERSION=$(git describe --always) .
# docs/production.md explains the settings; docker-compose.yml runs it with PostgreSQL.

ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=amd64
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags "-s -w -X github.com/authgate/authgate/internal/app.Version=${VERSION}" \
        -o /out/authgate ./cmd/authgate && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags "-s -w" -o /out/authgate-healthcheck ./deploy/healthcheck && \
    mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/authgate /out/authgate-healthcheck /usr/local/bin/
# /data holds the SQLite database (the default) and a generated development key; with
# PostgreSQL and AUTHGATE_SIGNING_KEY set it stays empty.
COPY --from=build --chown=65532:65532 /out/data /data
ENV AUTHGATE_ADDR=0.0.0.0:8060 \
    AUTHGATE_DATABASE_URL=sqlite:///data/authgate.db \
    AUTHGATE_DATA_DIR=/data \
    AUTHGATE_LOG_FORMAT=json
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8060
# The image has no shell or curl: authgate-healthcheck GETs /readyz (storage reachable).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/authgate-healthcheck", "http://127.0.0.1:8060/readyz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/authgate"]
CMD ["serve"]
