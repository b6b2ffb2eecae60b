import { setUpRun } from '../../support/run-setup';

/** This run's integration database and Redis key prefix (test/support/run-setup.ts). */
export default (): Promise<void> => setUpRun('integration');
