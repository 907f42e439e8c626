# followup: a multi-stage build. The binary needs cgo (mattn/go-sqlite3), so it is built with the
# Debian toolchain and runs on a small Debian image with glibc, as a user without privileges.
#
#   docker build -t followup .
#   docker run --rm -e SLACK_APP_TOKEN=… -e SLACK_BOT_TOKEN=… -v followup-data:/data followup
#
# FOLLOWUP_DB defaults to /data/followup.db (a volume); set it to a postgres:// URL for PostgreSQL.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/followup ./cmd/followup

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home followup
COPY --from=build /out/followup /usr/local/bin/followup
USER 10001:10001
WORKDIR /data
VOLUME /data
ENV FOLLOWUP_DB=/data/followup.db
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/followup"]
CMD ["run"]
