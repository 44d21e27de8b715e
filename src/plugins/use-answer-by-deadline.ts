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
export async function raceDeadline(
  execute: () => Promise<ExecutionResult> | ExecutionResult,
  cutAt: () => number,
  onCut: () => void,
  watch: (check: () => void) => void = () => undefined,
  mayCut: () => boolean = () => true,
): Promise<ExecutionResult> {
  if (cutAt() <= performance.now() && mayCut()) {
    onCut();
    return cutAtDeadline();
  }
  let answerAtCut!: (result: ExecutionResult) => void;
  const answeredAtCut = new Promise<ExecutionResult>((resolve) => (answerAtCut = resolve));
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
    answerAtCut(cutAtDeadline());
  };
  timer = setTimeout(cut, cutAt() - performance.now());
  watch(() => {
    if (!settled && performance.now() >= cutAt()) cut();
  });
  const executing = Promise.resolve()
    .then(execute)
    .finally(() => {
      settled = true;
      clearTimeout(timer);
    });
  // The cut answer may win: a later failure of the abandoned execution is nobody's to handle.
  executing.catch(() => undefined);
  return Promise.race([executing, answeredAtCut]);
}
