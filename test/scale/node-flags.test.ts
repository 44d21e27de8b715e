import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS, workerExecArgv } from '../../src/cluster/node-flags.js';

describe('worker node flags', () => {
  it('adds the worker flags to what the primary was started with', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', ...WORKER_NODE_FLAGS]);
  });

  it("keeps an operator's own value of the same flag, spelled either way", () => {
    expect(workerExecArgv(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv(['--max_semi_space_size=8'])).toEqual(['--max_semi_space_size=8']);
  });
});
