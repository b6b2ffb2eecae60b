import { AuditLogRepository } from '@rampart/db';
import { useApi } from '../support/apps';

/** Texts whose bytes differ from their characters, or that JSON escapes. */
const TEXTS = [
  'plain',
  'ünïcødé ✓',
  '日本語のユーザーエージェント',
  'emoji 🛡️ and an astral letter 𝔘',
  'quote " backslash \\ newline \n tab \t',
  'control \u0001 and \u001f',
];

/**
 * The audit chain's hash is computed by the database (audit_append) over the canonical JSON the
 * application sends, and checked by the application (verify) from the stored columns: both must
 * agree for any text and structure an entry can hold, and appends racing each other must still form
 * one chain.
 */
describe('AuditLogRepository.append', () => {
  const api = useApi();

  it('appends racing entries of any text and structure into a chain the application verifies', async () => {
    const audit = api.get(AuditLogRepository);
    const appended = await Promise.all(
      TEXTS.flatMap((text, index) =>
        [0, 1].map((copy) =>
          audit.append({
            actor: `system:test-${index}-${copy}`,
            action: 'test.audit_append',
            targetType: 'text',
            targetId: text.slice(0, 64),
            outcome: 'success',
            userAgent: text,
            requestId: `req-${index}-${copy}`,
            changes: {
              before: copy === 0 ? null : { text },
              after: {
                text,
                numbers: [0, -0, 2.5, 1e21, -7, Number.MAX_SAFE_INTEGER],
                flags: [true, false, null],
                nested: { [text]: { deeper: [text, { z: 1, a: 2 }] } },
                when: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 123)),
              },
            },
          }),
        ),
      ),
    );
    expect(appended).toHaveLength(TEXTS.length * 2);
    expect(new Set(appended.map((entry) => entry.prevHash)).size).toBe(appended.length);

    const verification = await audit.verify();
    expect(verification).toMatchObject({ valid: true, firstBroken: null });
    expect(verification.checked).toBeGreaterThanOrEqual(appended.length);
  });
});
