import { processorProblems } from './job-handler';
import { JobName, QueueName, jobsOfQueue } from './queues';

describe('processorProblems', () => {
  const maintenanceJobs = jobsOfQueue(QueueName.Maintenance);

  it('accepts one processor per consumed queue handling exactly its jobs', () => {
    expect(maintenanceJobs).toContain(JobName.Heartbeat);
    expect(
      processorProblems(
        [QueueName.Maintenance],
        [{ queue: QueueName.Maintenance, jobNames: maintenanceJobs }],
      ),
    ).toEqual([]);
  });

  it('names a consumed queue without a processor, or with two', () => {
    expect(processorProblems([QueueName.Maintenance], [])).toEqual([
      'queue "maintenance" has 0 processors, expected 1',
    ]);
    const twice = { queue: QueueName.Maintenance, jobNames: maintenanceJobs };
    expect(processorProblems([QueueName.Maintenance], [twice, twice])).toEqual([
      'queue "maintenance" has 2 processors, expected 1',
    ]);
  });

  it('names a job without a handler and a handler for a job the queue does not carry', () => {
    const withoutHeartbeat = maintenanceJobs.filter((name) => name !== JobName.Heartbeat);
    expect(
      processorProblems(
        [QueueName.Maintenance],
        [{ queue: QueueName.Maintenance, jobNames: [...withoutHeartbeat, 'maintenance.unknown'] }],
      ),
    ).toEqual([
      'job "maintenance.heartbeat" has no handler',
      'handler "maintenance.unknown" is not a job of queue "maintenance"',
    ]);
  });

  it('knows which queue carries each job', () => {
    expect(jobsOfQueue(QueueName.Email)).toEqual([
      JobName.SendEmail,
      JobName.RegistrationRequested,
      JobName.VerificationResendRequested,
      JobName.PasswordResetRequested,
    ]);
    expect(maintenanceJobs).toEqual([
      JobName.Heartbeat,
      JobName.OutboxSweep,
      JobName.Purge,
      JobName.RolloutsEvaluate,
    ]);
  });

  it('names a processor for a queue the worker does not consume', () => {
    expect(processorProblems([], [{ queue: QueueName.Maintenance, jobNames: maintenanceJobs }])).toEqual([
      'processor for queue "maintenance" is not consumed',
    ]);
  });
});
