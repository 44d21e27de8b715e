import { describe, expect, it } from 'vitest';
import { clientBudgetMs, Deadline } from '../../src/resilience/deadline.js';

// The request deadline's arithmetic, on explicit clock readings: each case kills a mutant of
// src/resilience/deadline.ts the integration tests let live (docs/testing.md, "Scores measured").
describe('Deadline', () => {
  it('expires budgetMs after it was created', () => {
    expect(new Deadline(250, 1000).expiresAt).toBe(1250);
  });
  it('counts down what is left and never goes below zero', () => {
    const deadline = new Deadline(250, 1000);
    expect(deadline.remainingMs(1000)).toBe(250);
    expect(deadline.remainingMs(1200)).toBe(50);
    expect(deadline.remainingMs(1250)).toBe(0);
    expect(deadline.remainingMs(5000)).toBe(0);
  });
  it('reads the monotonic clock when no reading is given', () => {
    const before = performance.now();
    const deadline = new Deadline(10_000);
    expect(deadline.expiresAt).toBeGreaterThanOrEqual(before + 10_000);
    expect(deadline.expiresAt).toBeLessThanOrEqual(performance.now() + 10_000);
    expect(deadline.remainingMs()).toBeLessThanOrEqual(10_000);
    expect(deadline.remainingMs()).toBeGreaterThan(9_000);
  });
});

describe('clientBudgetMs', () => {
  it('lets a client shorten, never lengthen, the budget; anything but a positive whole number of ms is undefined', () => {
    expect(clientBudgetMs(2000, null)).toBe(2000);
    expect(clientBudgetMs(2000, undefined)).toBe(2000);
    expect(clientBudgetMs(2000, '300')).toBe(300);
    expect(clientBudgetMs(2000, ' 300 ')).toBe(300);
    expect(clientBudgetMs(2000, '5000')).toBe(2000);
    expect(clientBudgetMs(2000, '2000')).toBe(2000);
    for (const bad of ['0', '-5', '1.5', '1e3', 'abc', '', '300ms']) expect(clientBudgetMs(2000, bad), bad).toBeUndefined();
  });
});
