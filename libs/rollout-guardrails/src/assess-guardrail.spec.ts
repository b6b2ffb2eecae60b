import { assessGuardrail } from './assess-guardrail';
import {
  aBucket,
  aLatencyGuardrail,
  aMemoryGuardrail,
  anErrorRateGuardrail,
  anExceptionsGuardrail,
  latencyCounts,
  T0,
  traffic,
} from './testing/telemetry-factory';

const MIN = 60_000;
const GiB = 2 ** 30;
const span = [T0, T0 + 10 * MIN] as const;

describe('assessGuardrail', () => {
  describe('error_rate', () => {
    const guardrail = anErrorRateGuardrail({ minSamples: 268 });

    it('is insufficient below minSamples, even at 1 error in 20 (a 95 % lower bound of 1.12 %)', () => {
      const assessment = assessGuardrail(guardrail, [aBucket({ requests: 20, errors: 1 })], [], ...span);
      expect(assessment).toMatchObject({
        status: 'insufficient',
        samples: 20,
        failures: 1,
        value: 0.05,
        bound: null,
      });
    });

    it('would breach on 1 error in 20 if minSamples allowed so few: the floor is what protects', () => {
      const loose = anErrorRateGuardrail({ minSamples: 20 });
      expect(assessGuardrail(loose, [aBucket({ requests: 20, errors: 1 })], [], ...span).status).toBe(
        'breaching',
      );
    });

    it('breaches on 50 errors in 1000', () => {
      const assessment = assessGuardrail(guardrail, [aBucket({ requests: 1_000, errors: 50 })], [], ...span);
      expect(assessment.status).toBe('breaching');
      expect(assessment.bound).toBeCloseTo(0.0398, 4);
      expect(assessment.summary).toContain('> the allowed 1 %');
    });

    it('is healthy at 0.5 % of 1000, and at 1.5 % of 300 (no proof it exceeds 1 %)', () => {
      expect(assessGuardrail(guardrail, [aBucket({ requests: 1_000, errors: 5 })], [], ...span).status).toBe(
        'healthy',
      );
      expect(assessGuardrail(guardrail, [aBucket({ requests: 300, errors: 5 })], [], ...span).status).toBe(
        'healthy',
      );
    });

    it('does not blame the target for a failure the control shares', () => {
      const target = [aBucket({ requests: 1_000, errors: 50 })];
      const control = [aBucket({ requests: 100_000, errors: 5_000 })];
      const assessment = assessGuardrail(guardrail, target, control, ...span);
      expect(assessment).toMatchObject({ status: 'healthy', sharedWithControl: true });
      expect(assessment.control).toMatchObject({
        samples: 100_000,
        failures: 5_000,
        value: 0.05,
        compared: true,
      });
      expect(assessment.control!.bound).toBeGreaterThan(0.05);
      expect(assessment.summary).toContain("not the target's doing");
    });

    it('breaches when the target fails clearly more than the control', () => {
      const target = [aBucket({ requests: 1_000, errors: 80 })];
      const control = [aBucket({ requests: 100_000, errors: 2_000 })];
      const assessment = assessGuardrail(guardrail, target, control, ...span);
      expect(assessment).toMatchObject({ status: 'breaching', sharedWithControl: false });
      expect(assessment.summary).toContain("control's upper bound");
    });

    it('ignores a control with fewer than minSamples, and reports it as not compared', () => {
      const control = [aBucket({ requests: 10, errors: 10 })];
      const assessment = assessGuardrail(
        guardrail,
        [aBucket({ requests: 1_000, errors: 50 })],
        control,
        ...span,
      );
      expect(assessment.status).toBe('breaching');
      expect(assessment.control).toMatchObject({ samples: 10, compared: false });
    });

    it('reports no control without control traffic', () => {
      expect(assessGuardrail(guardrail, [aBucket({ requests: 1_000 })], [], ...span).control).toBeNull();
    });

    it('counts only the span', () => {
      const target = [
        aBucket({ start: T0 - 10_000, requests: 1_000, errors: 1_000 }),
        aBucket({ requests: 1_000 }),
      ];
      expect(assessGuardrail(guardrail, target, [], ...span)).toMatchObject({
        status: 'healthy',
        samples: 1_000,
        from: span[0],
        to: span[1],
      });
    });

    it('tests at the confidence asked for', () => {
      // 16 in 1000: lower bound 1.09 % at 90 %, 0.98 % at 99 %.
      const target = [aBucket({ requests: 1_000, errors: 16 })];
      expect(assessGuardrail({ ...guardrail, confidence: 0.9 }, target, [], ...span).status).toBe(
        'breaching',
      );
      expect(assessGuardrail({ ...guardrail, confidence: 0.99 }, target, [], ...span).status).toBe('healthy');
    });
  });

  describe('latency', () => {
    const guardrail = aLatencyGuardrail({ minSamples: 52 });

    it('breaches when clearly more than 5 % of requests are slower than 2 s', () => {
      const assessment = assessGuardrail(guardrail, [aBucket({ requests: 1_000, slow: 100 })], [], ...span);
      expect(assessment).toMatchObject({ status: 'breaching', failures: 100, samples: 1_000 });
      expect(assessment.bound).toBeGreaterThan(0.05);
      expect(assessment.value).toBeGreaterThan(2_000);
    });

    it('is healthy at 3 % slow, and reports the interpolated p95', () => {
      const latency = latencyCounts({ 100: 900, 1_000: 70, 5_000: 30 });
      const assessment = assessGuardrail(guardrail, [aBucket({ requests: 1_000, latency })], [], ...span);
      expect(assessment.status).toBe('healthy');
      // Rank 950: 900 below 100 ms, 50 of the 70 in (500, 1000] ms.
      expect(assessment.value).toBeCloseTo(500 + (500 * 50) / 70, 9);
    });

    it('is insufficient below minSamples, and the value is still shown', () => {
      const assessment = assessGuardrail(guardrail, [aBucket({ requests: 10, slow: 10 })], [], ...span);
      expect(assessment.status).toBe('insufficient');
      expect(assessment.value).toBe(2_000 + 3_000 * 0.95);
    });

    it('compares with the control: slowness shared is not breaching', () => {
      const target = [aBucket({ requests: 1_000, slow: 100 })];
      const control = [aBucket({ requests: 50_000, slow: 5_500 })];
      const assessment = assessGuardrail(guardrail, target, control, ...span);
      expect(assessment).toMatchObject({ status: 'healthy', sharedWithControl: true });
      expect(assessment.control).toMatchObject({ failures: 5_500, compared: true });
      expect(assessment.control!.value).toBeGreaterThan(2_000);
    });
  });

  describe('memory', () => {
    const guardrail = aMemoryGuardrail();
    const report = (instance: string, bytes: number) => [{ instance, bytes }];

    it('breaches when some process is above the threshold in every reported bucket', () => {
      const target = [
        aBucket({ start: T0, memory: [...report('a', 1.5 * GiB), ...report('b', 0.2 * GiB)] }),
        aBucket({ start: T0 + 10_000, memory: report('b', 1.2 * GiB) }),
      ];
      const assessment = assessGuardrail(guardrail, target, [], ...span);
      expect(assessment).toMatchObject({ status: 'breaching', samples: 2, value: 1.2 * GiB, bound: null });
    });

    it('does not count one spike', () => {
      const target = [
        aBucket({ start: T0, memory: report('a', 3 * GiB) }),
        aBucket({ start: T0 + 10_000, memory: report('a', 0.5 * GiB) }),
      ];
      expect(assessGuardrail(guardrail, target, [], ...span)).toMatchObject({
        status: 'healthy',
        value: 0.5 * GiB,
      });
    });

    it('is insufficient without reports', () => {
      expect(assessGuardrail(guardrail, [aBucket()], [], ...span)).toMatchObject({
        status: 'insufficient',
        samples: 0,
      });
    });

    it("compares with the control's own processes: as high there, not the target's doing", () => {
      const target = [aBucket({ memory: report('canary', 1.5 * GiB) })];
      const control = [aBucket({ memory: report('stable', 1.6 * GiB) })];
      const assessment = assessGuardrail(guardrail, target, control, ...span);
      expect(assessment).toMatchObject({ status: 'healthy', sharedWithControl: true });
      expect(assessment.control).toMatchObject({ value: 1.6 * GiB, compared: true });
    });

    it('judges the target alone when the processes serve both variants', () => {
      const shared = [aBucket({ memory: report('pod-1', 1.5 * GiB) })];
      const assessment = assessGuardrail(guardrail, shared, shared, ...span);
      expect(assessment).toMatchObject({ status: 'breaching', control: null });
    });
  });

  describe('exceptions', () => {
    const guardrail = anExceptionsGuardrail();

    it('breaches on one exception, healthy without, insufficient without requests', () => {
      expect(assessGuardrail(guardrail, [aBucket({ exceptions: 1 })], [], ...span)).toMatchObject({
        status: 'breaching',
        value: 1,
      });
      expect(assessGuardrail(guardrail, traffic(...span), [], ...span).status).toBe('healthy');
      expect(assessGuardrail(guardrail, [], [], ...span).status).toBe('insufficient');
      expect(assessGuardrail(guardrail, [aBucket({ requests: 0, exceptions: 2 })], [], ...span).status).toBe(
        'breaching',
      );
    });

    it("shows the control's exceptions without blaming or excusing the target", () => {
      const assessment = assessGuardrail(
        guardrail,
        [aBucket({ exceptions: 1 })],
        [aBucket({ exceptions: 3 })],
        ...span,
      );
      expect(assessment).toMatchObject({ status: 'breaching', control: { value: 3, compared: false } });
    });
  });
});
