# kring in a container: `docker build -t kring .`, then
#   docker run --rm --security-opt seccomp=deploy/seccomp-kring.json kring \
#     produce -b BROKER:9092 -t flights -n 1000000
# Docker 25+'s default seccomp profile refuses io_uring; deploy/seccomp-kring.json is that
# profile plus the three io_uring calls (docs/DEPLOY.md). Without it kring falls back to
# its poll transport (with a warning), where the engine has one.

# ---- build: the project's own set-up and build commands (scripts/setup.sh, cmake + ninja)
FROM debian:bookworm AS build
ARG KR_PREFIX=/opt/kring
ARG KR_JOBS=2
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh --build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKR_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX="$KR_PREFIX"
RUN ninja -C build -j "$KR_JOBS"
RUN cmake --install build

# ---- runtime: the program and the shared libraries it loads, nothing else
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends liburing2 libssl3 liblz4-1 libxxhash0 libzstd1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin kring
COPY --from=build /opt/kring/bin/kring /usr/local/bin/kring
USER 10001:10001
ENTRYPOINT ["kring"]
CMD ["--help"]
