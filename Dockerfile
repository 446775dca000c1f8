# syntax=docker/dockerfile:1
# Lumen Academy container images, one Dockerfile, two targets (infra/ builds both):
#   docker build --target app    -t lumen-app .     # next start on :3000 (+ prisma migrate deploy)
#   docker build --target worker -t lumen-worker .  # transcoding worker, Debian ffmpeg
# Both run as the unprivileged `node` user. Never built in this repository's CI (no Docker
# engine there): `npm run infra:deploy` builds them on the deploying machine.

FROM node:20-bookworm-slim AS base
ENV NEXT_TELEMETRY_DISABLED=1
# The project's lockfile and `allowScripts` are npm 11's.
RUN npm install -g npm@11 --no-audit --no-fund
WORKDIR /app

FROM base AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# What `npm install`'s postinstall (prisma generate) needs, then the dependencies (cached layer).
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm install --no-audit --no-fund
COPY . .
# The build process only: lib/env's production checks apply when the containers start.
RUN APP_ENV=local npx next build
# RDS for PostgreSQL certificates (PGSSLMODE=verify-full): Node trusts them via NODE_EXTRA_CA_CERTS.
RUN curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o /rds-global-bundle.pem

FROM base AS app
ENV NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/ssl/certs/rds-global-bundle.pem
COPY --from=build /rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000
# Next handles SIGTERM itself (graceful shutdown); ECS sends it on scale-in and deploys.
CMD ["node", "node_modules/next/dist/bin/next", "start", "--hostname", "0.0.0.0", "--port", "3000"]

FROM base AS worker
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/ssl/certs/rds-global-bundle.pem FFMPEG_PATH=/usr/bin/ffmpeg
COPY --from=build /rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=build --chown=node:node /app /app
USER node
# In-process TypeScript (no tsx wrapper process): SIGTERM reaches the worker directly.
CMD ["node", "--conditions=react-server", "--import", "tsx", "worker/main.ts"]
