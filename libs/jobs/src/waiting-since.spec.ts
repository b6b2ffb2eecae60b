import { waitingSince } from './waiting-since';

describe('waitingSince', () => {
  const added = Date.UTC(2026, 10, 30, 12, 0, 0);

  it('is when the job was added, for a job that never ran and had no delay', () => {
    expect(waitingSince({ timestamp: added })).toBe(added);
    expect(waitingSince({ timestamp: added, delay: 0 })).toBe(added);
  });

  it('is when the delay ended, for a job added with one', () => {
    expect(waitingSince({ timestamp: added, delay: 60_000 })).toBe(added + 60_000);
  });

  it('is when its latest try began, for a retried or stalled job', () => {
    // A retry: the latest try began 5 minutes in; its 2 s backoff is on top of the creation time only.
    expect(waitingSince({ timestamp: added, delay: 2_000, processedOn: added + 300_000 })).toBe(
      added + 300_000,
    );
    // A delayed job that stalled on its first try: ready again since that try, not since its delay ended.
    expect(waitingSince({ timestamp: added, delay: 60_000, processedOn: added + 61_000 })).toBe(
      added + 61_000,
    );
  });
});
