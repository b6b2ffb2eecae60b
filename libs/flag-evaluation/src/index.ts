// Feature-flag evaluation, pure: so far the sticky bucketing, hashing users as Unleash's SDKs do.
export {
  bucketOf,
  inRollout,
  pickVariant,
  ROLLOUT_SEED,
  VARIANT_SEED,
  type WeightedVariant,
} from './bucketing';
export { murmur3X86Hash32, murmur3X86Hash32Bytes } from './murmur3';
