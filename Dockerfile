# syntax=docker/dockerfile:1
# Lumen Academy container images, one Dockerfile, two targets (infra/ builds both):
#   docker build --target app    -t lumen-app .     # server/main.ts (Next) on :3000 (+ prisma migrate deploy)
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
# The build needs no secret (lib/config skips the production checks while Next builds); they
# apply when the containers start.
RUN APP_ENV=local npx next build
# RDS for PostgreSQL certificates (PGSSLMODE=verify-full): Node trusts them via NODE_EXTRA_CA_CERTS.
RUN curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o /rds-global-bundle.pem

FROM base AS app
ENV NODE_ENV=production NODE_EXTRA_CA_CERTS=/etc/ssl/certs/rds-global-bundle.pem
COPY --from=build /rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000
# server/main.ts: Next behind our HTTP server (client address from TRUST_PROXY_HOPS; on SIGTERM,
# which ECS sends on scale-in and deploys, health answers 503 and requests in flight drain).
ENV HOST=0.0.0.0 PORT=3000
CMD ["node", "--import", "tsx", "server/main.ts"]

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
