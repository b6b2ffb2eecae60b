import { setUpRun } from '../../support/run-setup';

/** This run's e2e database and Redis key prefix (test/support/run-setup.ts). */
export default (): Promise<void> => setUpRun('e2e');
