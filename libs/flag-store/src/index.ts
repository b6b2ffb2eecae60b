export { diffFlagSets } from './flag-set-diff';
export {
  EMPTY_FLAG_SET,
  FlagSets,
  type CommittedFlagSet,
  type FlagSetEdit,
  type VersionPrecondition,
} from './flag-sets';
export { FlagStoreModule } from './flag-store.module';
export { rolloutActive } from './rollout-guard';
