/**
 * Size bounds on everything a flag set holds and everything a caller sends to be evaluated. The
 * schemas enforce them at write time and the context check at evaluation time, so the cost of one
 * evaluation and the size of one snapshot are known: rules × conditions × values is the worst case
 * of one flag, and a snapshot is loaded whole into every process that evaluates.
 */

/** Flag and segment keys: the length the key pattern allows; keys appear in URLs and log lines. */
export const MAX_KEY_LENGTH = 128;

/** Names, descriptions and owners are for people reading an admin screen, not for documents. */
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 2_000;

/** Tags: enough to label a flag by team, area and ticket without turning tags into a database. */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 64;

/**
 * Variants per flag: an experiment rarely has more than a handful of arms; 50 leaves room for a
 * configuration flag that picks among many values, while keeping one flag's payload small.
 */
export const MAX_VARIANTS = 50;
export const MAX_VARIANT_NAME_LENGTH = 64;
/** A string variant value: a label, a URL or a short message; larger payloads belong in an object. */
export const MAX_VARIANT_STRING_LENGTH = 1_024;
/** An object variant value, as UTF-8 JSON: a configuration blob, not a document store. */
export const MAX_VARIANT_OBJECT_BYTES = 8_192;
/** Nesting of an object variant value: deeper structures are not configuration a person reviews. */
export const MAX_VARIANT_OBJECT_DEPTH = 8;

/**
 * Rules per flag and conditions per rule: evaluation walks rules in order and stops at the first
 * match, so these two bound the work of one evaluation. Long target lists go in one condition's
 * values (a set lookup), or in a segment, not in hundreds of rules.
 */
export const MAX_RULES = 50;
export const MAX_CONDITIONS = 10;
/**
 * Values per condition: a target list of user ids or tenants. `in` and `not_in` look values up in
 * a set; the string operators scan them, so 1,000 × the value length is the cost of one condition.
 */
export const MAX_CONDITION_VALUES = 1_000;
/** One condition value: an e-mail address (254), a semver (256 is semver's own limit), a CIDR. */
export const MAX_CONDITION_VALUE_LENGTH = 256;
/** Attribute names (in conditions, stickiness and the context): identifiers, not prose. */
export const MAX_ATTRIBUTE_NAME_LENGTH = 64;
/** groupId: defaults to the flag key, so it may be as long as one. */
export const MAX_GROUP_ID_LENGTH = MAX_KEY_LENGTH;

/**
 * Split weights are integers; 100,000 in total gives a precision of 0.001 % (Unleash uses 1,000
 * and LaunchDarkly 100,000), and keeps the modulus far below 2^32 so buckets stay uniform.
 */
export const MAX_SPLIT_TOTAL_WEIGHT = 100_000;

/** Prerequisites per flag: a flag that depends on more than a few others is a release plan, not a flag. */
export const MAX_PREREQUISITES = 10;

/** Metadata: a few labels returned with every evaluation, so it travels with each answer. */
export const MAX_METADATA_ENTRIES = 20;
export const MAX_METADATA_KEY_LENGTH = 64;
export const MAX_METADATA_STRING_LENGTH = 256;

/** Flags and segments in one snapshot: every evaluating process holds the whole set in memory. */
export const MAX_FLAGS = 5_000;
export const MAX_SEGMENTS = 1_000;

/**
 * The evaluation context, which a client sends with every request: 50 attributes and 16 KiB of
 * UTF-8 JSON cover a user, a device and a request many times over; more is a client sending data
 * that no rule can use, at the cost of every evaluation.
 */
export const MAX_CONTEXT_ATTRIBUTES = 50;
export const MAX_CONTEXT_BYTES = 16_384;
/** One string attribute (a user agent fits); the total byte bound still applies. */
export const MAX_CONTEXT_STRING_LENGTH = 1_024;
/** One array attribute: group or role memberships. */
export const MAX_CONTEXT_ARRAY_ITEMS = 100;
