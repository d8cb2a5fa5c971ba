# syntax=docker/dockerfile:1
# callqa: one image for `callqa work` (the worker) and `callqa serve` (the API).
#
# Build:  docker build -t callqa .
# Run:    docker run --rm callqa work --help

# ---- build stage: compile a static binary
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/callqa ./cmd/callqa

# ---- run stage: the binary alone, as a non-root user
FROM alpine:3.22
# wget (busybox) serves the compose healthchecks; ca-certificates TLS to MinIO/Redis.
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 callqa \
 && adduser -S -D -H -u 10001 -G callqa callqa
COPY --from=build /out/callqa /usr/local/bin/callqa
USER 10001:10001
# 9091: worker metrics and health; 8080: the API.
EXPOSE 9091 8080
ENTRYPOINT ["/usr/local/bin/callqa"]
CMD ["--help"]
