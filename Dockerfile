# syntax=docker/dockerfile:1
# Builds one function's runtime image for people who have Docker; `make xpkg`
# builds the same static binary without Docker.
#   docker build --build-arg FUNCTION=eks -t function-eks .
FROM golang:1.26 AS build
ARG FUNCTION=eks
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o /function ./functions/${FUNCTION}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /function /function
EXPOSE 9443
USER 65532:65532
ENTRYPOINT ["/function"]
