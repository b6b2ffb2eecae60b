// Moved to @rampart/identity (the worker normalises too); kept so existing importers stay unchanged.
export { normaliseEmail } from '@rampart/identity';
