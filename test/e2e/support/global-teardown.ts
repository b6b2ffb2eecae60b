import { tearDownRun } from '../../support/run-teardown';

/** Drops this run's e2e database and Redis keys. */
export default (): Promise<void> => tearDownRun('e2e');
