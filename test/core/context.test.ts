import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { ResiliencePipeline } from '../../src/resilience/pipeline.js';
import { BoundOperation } from '../../src/sources/operation.js';
import type { SourceOperation } from '../../src/sources/operation.js';
import type { Operations } from '../../src/sources/bind.js';

/** An operation that answers from memory and counts the keys it was asked for. */
function countingOperation(): { operation: BoundOperation<{ id: string }>; asked: string[] } {
  const asked: string[] = [];
  const definition: SourceOperation<{ id: string }> = {
    source: 'catalog',
    name: 'byId',
    load: (keys) => {
      asked.push(...keys);
      return Promise.resolve(keys.map((id) => ({ id })));
    },
  };
  const config = resolveConfig({});
  const pipeline = new ResiliencePipeline('catalog', new URL('http://127.0.0.1:9'), config.sources.catalog, new UpstreamClient());
  pipeline.shutdown();
  return { operation: new BoundOperation(definition, pipeline, { maxStaleMs: 0, staleMaxEntries: 10, maxBatchSize: 100, currency: 'USD' }), asked };
}

const contextFor = () => createContext({ config: resolveConfig({}), operations: {} as Operations }, new Request('http://127.0.0.1/graphql'));

describe('request context: primed values', () => {
  it('answers keys primed before the loader exists without asking the operation', async () => {
    const { operation, asked } = countingOperation();
    const context = contextFor();
    context.loads.prime(operation, [['p-1', { id: 'p-1' }], ['p-2', { id: 'p-2' }]]);
    const loader = context.loads.loaderFor(operation);
    expect(await loader.loadMany(['p-1', 'p-2', 'p-3'])).toEqual([{ id: 'p-1' }, { id: 'p-2' }, { id: 'p-3' }]);
    expect(asked).toEqual(['p-3']);
  });

  it('primes an existing loader at once', async () => {
    const { operation, asked } = countingOperation();
    const context = contextFor();
    const loader = context.loads.loaderFor(operation);
    context.loads.prime(operation, [['p-9', { id: 'p-9' }]]);
    expect(await loader.load('p-9')).toEqual({ id: 'p-9' });
    expect(asked).toEqual([]);
  });

  it('hands out what the request already loaded or primed, and nothing for keys it has not', async () => {
    const { operation } = countingOperation();
    const context = contextFor();
    expect(context.loads.settled(operation, 'p-1')).toBeUndefined();
    context.loads.prime(operation, [['p-2', { id: 'p-2' }]]);
    expect(context.loads.settled(operation, 'p-2')).toEqual({ id: 'p-2' });
    await context.loads.loaderFor(operation).load('p-1');
    expect(context.loads.settled(operation, 'p-1')).toEqual({ id: 'p-1' });
    expect(contextFor().loads.settled(operation, 'p-1')).toBeUndefined();
  });
});
