import { JobName, JobProducer, QueueName } from '@rampart/jobs';
import { RegisterAccount } from '../../../apps/api/src/auth/use-cases/register-account';
import { StartRegistration } from '../../../apps/worker/src/accounts/start-registration';
import { DEFAULT_PASSWORD, uniqueEmail } from '../../factories';
import { useApi, useWorker } from '../support/apps';
import { useDatabase } from '../support/data-stores';
import { userByEmail } from '../support/records';

/**
 * Sign-up's API half (apps/api/src/auth/use-cases/register-account.ts): the same work for every
 * address (a hash, one row, one job) and nothing that depends on whether it has an account.
 */
describe('RegisterAccount', () => {
  const api = useApi();
  const db = useDatabase();

  const requestsOf = (email: string) =>
    db.rows<{ id: string; password_hash: string }>(
      'SELECT id, password_hash FROM registration_requests WHERE email = $1',
      [email],
    );

  const jobsFor = async (requestId: string) =>
    (await api.get(JobProducer).queue(QueueName.Email).getJobs(['waiting', 'delayed', 'prioritized']))
      .filter((job) => (job.data as { requestId?: string }).requestId === requestId)
      .map((job) => job.name);

  it('keeps the normalised address and a hash of the password, and hands the request to the worker', async () => {
    const email = uniqueEmail('sign-up');

    await api
      .get(RegisterAccount)
      .execute({ email: `  ${email.toUpperCase()} `, password: DEFAULT_PASSWORD, remoteIp: null });

    const requests = await requestsOf(email);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.password_hash).toMatch(/^\$argon2id\$/);
    expect(requests[0]!.password_hash).not.toContain(DEFAULT_PASSWORD);
    expect(await jobsFor(requests[0]!.id)).toEqual([JobName.RegistrationRequested]);
    // The account is the worker's to create.
    expect(await userByEmail(db, email)).toBeUndefined();
  });

  it('refuses a password the policy rejects, before storing or enqueueing anything', async () => {
    const email = uniqueEmail('sign-up');

    await expect(
      api.get(RegisterAccount).execute({ email, password: email, remoteIp: null }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      extensions: { errors: { password: expect.any(Array) as string[] } },
    });

    expect(await requestsOf(email)).toEqual([]);
  });

  describe("and the worker's half", () => {
    const worker = useWorker();

    it('ends in an unverified account with the hash the API made, once the worker runs the request', async () => {
      const email = uniqueEmail('sign-up');
      await api.get(RegisterAccount).execute({ email, password: DEFAULT_PASSWORD, remoteIp: null });
      const [request] = await requestsOf(email);

      await worker.get(StartRegistration).run({ requestId: request!.id });

      expect(await userByEmail(db, email)).toMatchObject({
        status: 'unverified',
        password_hash: request!.password_hash,
      });
    });
  });
});
