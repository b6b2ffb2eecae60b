import { tearDownRun } from '../../support/run-teardown';

/** Drops this run's integration database and Redis keys. */
export default (): Promise<void> => tearDownRun('integration');
