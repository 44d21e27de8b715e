import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { BallastContext } from '../context.js';

/** What admission control records of a request's phases (src/front-door/admission.ts). */
export interface PhaseMarks {
  executionStarted(request: IncomingMessage): void;
  executionEnded(request: IncomingMessage): void;
}

/**
 * Marks when execution starts and ends on the Node request, so a response finished past its
 * deadline is reported with the phase its deadline passed in (docs/operations.md). Without a Node
 * request (`yoga.fetch` in tests) there is nothing to mark.
 */
export function useResponsePhases(marks: PhaseMarks): Plugin<BallastContext> {
  return {
    onExecute({ args }) {
      const req = (args.contextValue as { req?: IncomingMessage }).req;
      if (!req) return undefined;
      marks.executionStarted(req);
      return {
        onExecuteDone() {
          marks.executionEnded(req);
          return undefined;
        },
      };
    },
  };
}
