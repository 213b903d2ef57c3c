# syntax=docker/dockerfile:1
# Builds one function's runtime image for people who have Docker; `make xpkg`
# builds the same static binary (same flags: internal/xpkg.GoBuildFlags, the
# Makefile's GO_BUILD_FLAGS) and an equivalent image without Docker.
#   docker build --build-arg FUNCTION=eks -t function-eks .
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg FUNCTION=eks .
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG FUNCTION=eks
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Cross-compiled on the build platform: CGO off, no paths, no VCS stamp, no
# symbols. -buildvcs=false also keeps .git (copied by COPY . .) out of it.
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /function ./functions/${FUNCTION}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /function /function
EXPOSE 9443
USER 65532:65532
ENTRYPOINT ["/function"]
