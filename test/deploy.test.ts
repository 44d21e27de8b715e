import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { SOURCES } from '../src/sources/registry.js';
import { WORKER_NODE_FLAGS } from '../src/cluster/node-flags.js';

/** The deployment files are not run here (no container engine); these checks keep them true to the code. */
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const docs = (path: string): Doc[] => parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS() as Doc);

describe('deploy/k8s', () => {
  const [deployment] = docs('deploy/k8s/deployment.yaml');
  const container = deployment!.spec.template.spec.containers[0];
  const env = Object.fromEntries((container.env as Array<{ name: string; value?: string }>).map((entry) => [entry.name, entry.value]));

  it('probes the endpoints Ballast serves, on the port it listens on', () => {
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.ports[0].containerPort).toBe(Number(env.PORT));
    expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
    expect(deployment!.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5 + Number(env.BALLAST_DRAIN_DELAY_MS) / 1000 + 10);
  });

  it('runs as non-root on a read-only filesystem, in production mode, one worker per pod', () => {
    expect(deployment!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(env).toMatchObject({ NODE_ENV: 'production', BALLAST_WORKERS: '1' });
    expect(env.BALLAST_CONFIG!.startsWith(container.volumeMounts[0].mountPath)).toBe(true);
  });

  it('ships a config file Ballast accepts, with a URL for every source', () => {
    const [configMap] = docs('deploy/k8s/configmap.yaml');
    const file = parseAllDocuments(configMap!.data['ballast.yaml'])[0]!.toJS() as Record<string, unknown>;
    const config = resolveConfig({ mode: 'production' }, file);
    for (const source of SOURCES) expect(config.sources[source.name].url, source.name).toMatch(/^http/);
    expect(config.identity.mode).toBe('jwt');
  });
});

describe('node flags', () => {
  it('npm start runs Ballast with the worker flags, so a single in-process worker gets them too', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`node ${WORKER_NODE_FLAGS.join(' ')} dist/src/main.js`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');

  it('builds in one stage and runs the built entry point as the node user in another', () => {
    // The image runs the Node LTS that CI tests besides the machine's Node 20 (.ci/node24-version).
    const ciMajor = readFileSync('.ci/node24-version', 'utf8').trim().split('.')[0];
    expect(ciMajor).toBe('24');
    expect(dockerfile.match(new RegExp(`^FROM node:${ciMajor}-bookworm-slim AS (build|runtime)$`, 'gm'))).toHaveLength(2);
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node).toBe('>=20.19');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain(`ENTRYPOINT ${JSON.stringify(['node', ...WORKER_NODE_FLAGS, 'dist/src/main.js']).replace(/,/g, ', ')}`);
    expect(dockerfile).toContain('npm prune --omit=dev');
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
    expect(build.include).toEqual(['src']);
  });
});
