# The mock and the conformance harness in one small image (README, "Containers").
#   docker build -t jiguang-mock .
#   docker run --rm -p 8080:8080 -e MOCK_CONTROL_TOKEN=change-me jiguang-mock
#
# scripts/check-image builds the runtime stage below from local parts (no registry) and
# reads its ENV, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and COPY lines from this file:
# keep the final stage to those instructions, one per line.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Stripped: the release profile keeps line tables for profiling, an image does not need them.
RUN CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=symbols \
        cargo build --release --locked -p mock-server -p conformance --bins \
    && mkdir -p /out \
    && cp target/release/mock-server target/release/conformance /out/

# glibc and libgcc_s (all the binaries link), no shell, no package manager.
FROM gcr.io/distroless/cc-debian12
COPY --from=build /out/mock-server /out/conformance /usr/local/bin/
COPY scenarios /usr/local/share/jiguang-mock/scenarios
# distroless's "nonroot" user.
USER 65532:65532
ENV MOCK_HOST=0.0.0.0 MOCK_PORT=8080
EXPOSE 8080
# No curl here: the harness's own probe (GET /_mock/health on MOCK_HOST/MOCK_PORT; no token needed).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["/usr/local/bin/conformance", "health"]
ENTRYPOINT ["/usr/local/bin/mock-server"]
