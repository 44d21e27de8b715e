# syntax=docker/dockerfile:1.7
# Ballast: multi-stage build, production dependencies only, runs as the unprivileged `node` user.
# Node 24 LTS (Node 20 left support in April 2026; 20.19+ still works, CI tests both).
# Build: docker build -t ballast:latest .    Run: docker run -p 4000:4000 --env-file ballast.env ballast:latest

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json codegen.ts ./
COPY schema ./schema
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    BALLAST_WORKERS=1
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/src ./dist/src
COPY --from=build --chown=node:node /app/schema ./schema
USER node
EXPOSE 4000
# Exec form: the node process is PID 1's only child of interest and receives SIGTERM directly.
# The flag is Ballast's worker tuning (src/cluster/node-flags.ts): with one worker per pod there
# is no cluster primary to add it.
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/src/main.js"]
