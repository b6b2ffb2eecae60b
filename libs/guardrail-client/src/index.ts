// The guarded service's side of rollout guardrails: count what each flag variant's requests did and
// send it to Rampart's telemetry endpoint. Runs in the service being rolled out, not in Rampart.
export { GuardrailHook, type MeasureOptions } from './guardrail-hook';
export {
  GuardrailReporter,
  latencyBucket,
  type FlushResult,
  type GuardrailReporterOptions,
  type RequestOutcome,
} from './guardrail-reporter';
