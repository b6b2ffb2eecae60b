// Moved to @rampart/identity (the worker issues links too); kept so existing importers stay unchanged.
export { hashOneTimeToken, newOneTimeToken } from '@rampart/identity';
