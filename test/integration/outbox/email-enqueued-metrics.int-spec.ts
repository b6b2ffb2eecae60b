import { Database } from '@rampart/db';
import { EMAIL_TEMPLATES, EmailTemplate } from '@rampart/email';
import { Metrics } from '@rampart/observability';
import { EmailOutbox, type EmailRequest } from '@rampart/outbox';
import { uniqueEmail } from '../../factories';
import { useApi } from '../support/apps';
import { scrape } from '../support/exposition';

/**
 * `email_enqueued_total{template}` (libs/outbox/src/outbox.metrics.ts): mails staged in a unit of
 * work count once it has committed, and not at all when it rolls back.
 */
describe('email_enqueued_total: mails accepted into the outbox', () => {
  const api = useApi();

  const enqueued = async (template: string): Promise<number | undefined> =>
    (await scrape(api.get(Metrics))).value('email_enqueued_total', { template });

  const alert = (): EmailRequest => ({
    to: uniqueEmail('enqueued'),
    template: EmailTemplate.AdminAlert,
    params: { title: 'Disk', message: 'Almost full' },
  });

  it('starts every template at zero', async () => {
    const read = await scrape(api.get(Metrics));
    for (const template of EMAIL_TEMPLATES) expect(read.value('email_enqueued_total', { template })).toBe(0);
  });

  it('counts the mails of a unit of work once it has committed', async () => {
    const before = (await enqueued(EmailTemplate.AdminAlert))!;

    await api.get(Database).unitOfWork(async (unit) => {
      await api.get(EmailOutbox).stage(unit, [alert(), alert()]);
      // Staged, not committed: nothing counted yet.
      expect(await enqueued(EmailTemplate.AdminAlert)).toBe(before);
    });

    expect(await enqueued(EmailTemplate.AdminAlert)).toBe(before + 2);
    expect(await enqueued(EmailTemplate.Verification)).toBe(0);
  });

  it('counts nothing for a unit of work that rolled back', async () => {
    const before = (await enqueued(EmailTemplate.AdminAlert))!;

    await expect(
      api.get(Database).unitOfWork(async (unit) => {
        await api.get(EmailOutbox).stage(unit, [alert()]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await enqueued(EmailTemplate.AdminAlert)).toBe(before);
  });
});
