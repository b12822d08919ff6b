# syntax=docker/dockerfile:1
# One image for every command: `dev` (the default), `marketplace` or `publisher`, chosen by the arguments.
#   docker build -t saas-fulfillment .
#   podman build --format docker -t saas-fulfillment .     (--format docker keeps the HEALTHCHECK)
#   docker run -v sf-data:/data -p 3000:3000 -e ADMIN_PASSWORD=… -e APP_API_KEY=… … saas-fulfillment publisher
# With no registry reachable, make the base image first: bash scripts/containers/base-image.sh.
# docs/containers.md says more: settings, volumes, health, compose files.

ARG NODE_IMAGE=node:20-bookworm-slim

# Build: compile, pack the public packages as npm would publish them, and install them from their
# tarballs into one project in /opt/saas-fulfillment (one deduplicated tree, unlike a global install's
# copy per package), keeping only better-sqlite3's binary of its build. Only that tree moves on.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# better-sqlite3 compiles against the image's own Node headers (the official image ships them) when no
# prebuilt binary can be downloaded, rather than fetching the headers from nodejs.org.
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json tsconfig.json ./
COPY scripts/pack.mjs scripts/bundle.mjs scripts/
COPY packages packages
# Behind a proxy that re-signs TLS (some company networks and CI machines), pass its authority as a build
# secret: --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt. Nothing of it stays in the image.
RUN --mount=type=secret,id=ca \
  if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
  && npm ci --no-audit --no-fund \
  && npm run pack:all \
  && mkdir /opt/saas-fulfillment && cd /opt/saas-fulfillment \
  && echo '{"name":"saas-fulfillment-image","private":true,"allowScripts":{"better-sqlite3":true}}' > package.json \
  && npm install --omit=dev --no-audit --no-fund /src/packed/*.tgz \
  && cd node_modules/better-sqlite3 && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/.deps build/deps \
  && npm cache clean --force

# Run: Node and the installed command, no compiler, no sources, a non-root user, data on a volume.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  DATA_DIR=/data \
  PATH=/opt/saas-fulfillment/node_modules/.bin:$PATH
COPY --from=build /opt/saas-fulfillment /opt/saas-fulfillment
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /home/node
# The command's compile cache (~/.cache/saas-fulfillment), written once here so that every container's
# first start is as quick as its later ones.
RUN saas-fulfillment marketplace --help > /dev/null
VOLUME ["/data"]
EXPOSE 3000 4010
# Ready when the store answers: the publisher's port by default; a marketplace-only container sets
# HEALTH_PORT=4010.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT||3000}/readyz`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches the command itself (exec form, PID 1): it drains and exits within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["saas-fulfillment"]
CMD ["dev"]
