# syntax=docker/dockerfile:1
# Taskgate as a production image: a build stage with the development dependencies compiles and
# packs the package; the runtime stage holds only what that tarball installs without them, runs
# as an unprivileged user and needs no writable root file system (state lives in the volume).
#
# The build stage runs the production install exactly as test/cli/packed-install.test.ts does on
# a machine without Docker (the steps are listed once, in test/support/packed-install.ts;
# test/house/deploy-files.test.ts checks this file runs them, in that order).
#
#   docker build -t taskgate .
#   docker run --read-only --tmpfs /tmp -v taskgate-data:/var/lib/taskgate -p 8787:8787 \
#     -e TASKGATE_PUBLIC_URL=https://taskgate.example.com taskgate

ARG NODE_IMAGE=node:22-bookworm

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm pack --pack-destination /tmp
RUN npm install --global --prefix /opt/taskgate --omit=dev --no-audit --no-fund /tmp/taskgate-*.tgz

# Same Debian release and Node as the build stage: the native SQLite module built there loads here.
FROM ${NODE_IMAGE}-slim AS runtime
RUN groupadd --system --gid 10001 taskgate \
  && useradd --system --uid 10001 --gid taskgate --home-dir /var/lib/taskgate --no-create-home \
    --shell /usr/sbin/nologin taskgate \
  && mkdir -p /var/lib/taskgate && chown taskgate:taskgate /var/lib/taskgate && chmod 0700 /var/lib/taskgate
COPY --from=build /opt/taskgate /opt/taskgate
ENV NODE_ENV=production \
    PATH=/opt/taskgate/bin:$PATH \
    TASKGATE_HOST=0.0.0.0 \
    TASKGATE_PORT=8787 \
    TASKGATE_DATA_DIR=/var/lib/taskgate
WORKDIR /var/lib/taskgate
VOLUME ["/var/lib/taskgate"]
USER 10001:10001
EXPOSE 8787
# Ready, not just alive: /readyz answers 503 while the database is unreachable or behind on
# migrations, and once a stop has begun. Node itself asks: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TASKGATE_PORT||8787)+'/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (src/main.ts): in-flight requests finish, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["taskgate"]
CMD ["serve"]
