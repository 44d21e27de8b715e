import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';

export const ISSUER = 'https://id.example';
export const AUDIENCE = 'ballast';
export const KID = 'key-1';

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A real JWKS endpoint serving one RS256 public key under `KID`, counting its requests. */
export async function startJwks(publicKey: CryptoKey): Promise<LoopbackServer & { requests: () => number }> {
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  let requests = 0;
  const server = createHttpServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  const url = `${await listen(server)}/.well-known/jwks.json`;
  return { url, requests: () => requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * An endpoint that accepts connections, reads the request and never says a word: the JWKS of an
 * identity provider that hangs. Counts requests (connections that sent one), since undici may
 * also open a spare connection that never carries a request.
 */
export async function startHangingServer(): Promise<LoopbackServer & { requests: () => number }> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => (requests += 1));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const url = `${await listen(server)}/.well-known/jwks.json`;
  return {
    url,
    requests: () => requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A cart upstream that records each request's raw target (`req.url`) and answers 404 (an empty cart). */
export async function startRecordingUpstream(): Promise<LoopbackServer & { paths: string[] }> {
  const paths: string[] = [];
  const server = createHttpServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  const url = await listen(server);
  return { url, paths, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function rsaKeys(): Promise<{ publicKey: CryptoKey; privateKey: CryptoKey }> {
  return generateKeyPair('RS256', { extractable: true });
}

/** A token as a well-behaved identity provider issues it; `change` bends one part of it. */
export async function signToken(
  privateKey: CryptoKey | Uint8Array,
  change: { alg?: string; kid?: string; issuer?: string; audience?: string; expiresIn?: string | null; claims?: JWTPayload; subject?: string } = {},
): Promise<string> {
  let jwt = new SignJWT(change.claims ?? {})
    .setProtectedHeader({ alg: change.alg ?? 'RS256', kid: change.kid ?? KID })
    .setSubject(change.subject ?? 'u-1')
    .setIssuer(change.issuer ?? ISSUER)
    .setAudience(change.audience ?? AUDIENCE)
    .setIssuedAt();
  if (change.expiresIn !== null) jwt = jwt.setExpirationTime(change.expiresIn ?? '5m');
  return jwt.sign(privateKey);
}

/** `alg: none`: a header and payload with an empty signature, as an attacker writes it by hand. */
export function unsignedToken(payload: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}
