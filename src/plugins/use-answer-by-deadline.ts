import { getOperationAST, GraphQLError } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BallastContext } from '../context.js';
import { answerGuardMs } from '../front-door/late-responses.js';

/** What a query cut at its deadline answers: no data, one error with the degradation code for it. */
export function cutAtDeadline(): ExecutionResult {
  return { data: null, errors: [new GraphQLError('the request deadline passed before the query finished', { extensions: { code: 'DEADLINE_EXCEEDED' } })] };
}

/**
 * The deadline rule's second half (docs/security.md): while the loop is saturated, a query still
 * executing when its deadline is near is answered then with DEADLINE_EXCEEDED, not when the requests sharing the loop with it
 * let it finish. Execution cannot be stopped, but the answer ending it lets the request's
 * lifecycle abort its upstream calls, so what remains of it is cheap. A query whose deadline
 * already passed before execution is answered at once without executing (on a saturated loop). Mutations are left to
 * finish: cutting one would hide whether its write happened. Placed last, it wraps whichever
 * execute function (graphql-jit's) the plugins before it chose.
 */
export function useAnswerByDeadline(onCut: () => void, worstLoopDriftMs: () => number, saturated: () => boolean): Plugin<BallastContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue;
      if (context.answerBy === undefined || getOperationAST(args.document, args.operationName)?.operation !== 'query') return;
      const answerBy = context.answerBy;
      const cutAt = () => answerBy - answerGuardMs(context.config.deadlineMs, worstLoopDriftMs());
      setExecuteFn((executeArgs) => raceDeadline(() => executeFn(executeArgs) as Promise<ExecutionResult>, cutAt, onCut, (check) => context.loads.onCallSettled(check), saturated));
    },
  };
}

/** How often a cut that found the loop with CPU to spare looks again. */
const RECHECK_MS = 10;

/**
 * `execute`'s result, or the cut answer if `cutAt()` (`performance.now()` clock, read again at
 * each check as the loop's drift changes) comes first; when it already passed, the cut answer
 * without executing at all. Besides a timer, `watch` gets a check to run from the request's own
 * callbacks: a timer fires only once the loop has handled every socket that was ready, which on a
 * saturated loop can be hundreds of ms late. The cut is only made while `mayCut()` (the deadline
 * rule finds the loop saturated): with CPU to spare, the fields' own deadlines end execution in
 * time with partial data, which is worth more than `data: null`.
 */
export function raceDeadline(
  execute: () => Promise<ExecutionResult> | ExecutionResult,
  cutAt: () => number,
  onCut: () => void,
  watch: (check: () => void) => void = () => undefined,
  mayCut: () => boolean = () => true,
): Promise<ExecutionResult> {
  const firstCutAt = cutAt();
  if (firstCutAt <= performance.now() && mayCut()) {
    onCut();
    return Promise.resolve(cutAtDeadline());
  }
  // One promise settled by whichever comes first, execution or the cut: on every query, so no
  // Promise.race, finally or catch chain (bench/README.md § "Seventh session: per-request CPU").
  return new Promise<ExecutionResult>((resolve, reject) => {
    // Set once execution finished or the cut answered: the other one then does nothing.
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const cut = (): void => {
      if (settled) return;
      if (!mayCut()) {
        // The loop has CPU to spare: the fields' own deadlines end this execution; look again shortly in case it saturates.
        clearTimeout(timer);
        timer = setTimeout(cut, RECHECK_MS);
        return;
      }
      settled = true;
      clearTimeout(timer);
      onCut();
      resolve(cutAtDeadline());
    };
    // The cut answer may win: a later result or failure of the abandoned execution is nobody's to handle.
    const finished = (result: ExecutionResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const failed = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    };
    timer = setTimeout(cut, firstCutAt - performance.now());
    watch(() => {
      if (!settled && performance.now() >= cutAt()) cut();
    });
    try {
      const result = execute();
      if (isPromiseLike(result)) result.then(finished, failed);
      else finished(result);
    } catch (error) {
      failed(error);
    }
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<ExecutionResult> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
