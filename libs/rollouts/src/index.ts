export { invalidTransition, rolloutConflict, rolloutNotFound } from './rollout-errors';
export { describeStage, stageAt } from './rollout-stages';
export {
  RolloutTransitions,
  type FlagStep,
  type Transition,
  type TransitionResult,
} from './rollout-transitions';
export { RolloutTransitionsModule } from './rollout-transitions.module';
