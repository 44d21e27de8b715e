import { describe, expect, it } from 'vitest';
import { fileMap, functionLengths, longestFunctions } from '../../scripts/longest-functions.js';

// scripts/longest-functions.ts makes the tables of docs/redesign-14.md: its counts must be exact.
describe('scripts/longest-functions.ts', () => {
  it('names every kind of function and counts its span in lines, nested functions included', () => {
    const text = [
      'export function outer(): void {', //  1
      '  const inner = () => {', //        2
      '    return 1;', //                  3
      '  };', //                           4
      '}', //                              5
      'class Box {', //                    6
      '  constructor() {}', //             7
      '  #open(): void {', //              8
      '    [1].map((n) => n);', //         9
      '  }', //                           10
      '}', //                             11
      'declare function bodiless(): void;', // 12: no body, not counted
    ].join('\n');
    expect(functionLengths('x.ts', text).map(({ name, lines }) => [name, lines])).toEqual([
      ['outer', 5],
      ['inner', 3],
      ['Box.constructor', 1],
      ['Box.#open', 3],
      ['[1].map(…) callback', 1],
    ]);
  });

  it('lists the top N of src/, longest first, and a file map per folder', () => {
    const top = longestFunctions('.', 3);
    expect(top).toHaveLength(3);
    expect(top[0]!.lines).toBeGreaterThanOrEqual(top[1]!.lines);
    expect(top[1]!.lines).toBeGreaterThanOrEqual(top[2]!.lines);
    expect(top.every((fn) => fn.file.startsWith('src/') && !fn.file.startsWith('src/generated/'))).toBe(true);
    expect(fileMap('.')).toContain('src/dashboard/ (3): page.ts, plugin.ts, status.ts');
  });
});
