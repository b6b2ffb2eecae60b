/** The QueueProcessor instances this worker runs (one per consumed queue). */
export const QUEUE_PROCESSORS = Symbol('QUEUE_PROCESSORS');
