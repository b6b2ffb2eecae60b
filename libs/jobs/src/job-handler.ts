import {
  jobsOfQueue,
  type JobName,
  type JobPayloads,
  type JobResults,
  type JobsOf,
  type QueueName,
} from './queues';

/** What a handler learns about the job it runs. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** The last try: a handler that records failures can record this one as final. */
  isFinalAttempt: boolean;
}

export type JobHandlerFn<N extends JobName> = (
  payload: JobPayloads[N],
  context: JobContext,
) => Promise<JobResults[N]>;

/**
 * The consumer side of one queue: a handler for every job the queue carries (checked by the
 * compiler through JobsOf, and again at start-up, where the worker refuses to run a queue whose
 * jobs are not each handled exactly once).
 */
export interface QueueProcessor<Q extends QueueName = QueueName> {
  readonly queue: Q;
  readonly handlers: { [N in JobsOf<Q>]: JobHandlerFn<N> };
}

/**
 * What is wrong with the processors a worker would run: a consumed queue with no processor or
 * with several, a job of the queue without a handler, a handler for a job the queue does not
 * carry. Empty when every consumed queue has one processor handling exactly its jobs.
 */
export function processorProblems(
  consumed: readonly QueueName[],
  processors: readonly { queue: QueueName; jobNames: readonly string[] }[],
): string[] {
  const problems: string[] = [];
  for (const queue of consumed) {
    const matching = processors.filter((processor) => processor.queue === queue);
    if (matching.length !== 1) {
      problems.push(`queue "${queue}" has ${matching.length} processors, expected 1`);
      continue;
    }
    const handled = matching[0]?.jobNames ?? [];
    const expected: readonly string[] = jobsOfQueue(queue);
    for (const name of expected) if (!handled.includes(name)) problems.push(`job "${name}" has no handler`);
    for (const name of handled)
      if (!expected.includes(name)) problems.push(`handler "${name}" is not a job of queue "${queue}"`);
  }
  for (const processor of processors) {
    if (!consumed.includes(processor.queue))
      problems.push(`processor for queue "${processor.queue}" is not consumed`);
  }
  return problems;
}
