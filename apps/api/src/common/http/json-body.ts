import type { FastifyInstance } from 'fastify';
import { DomainError } from '@rampart/http';

/**
 * How deeply objects and arrays may nest in a request body. Rampart's bodies are flat or one level
 * deep; the bound keeps JSON.parse, class-transformer and class-validator (all recursive) far from
 * the stack limit, so a small body of nested brackets cannot crash a route.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects or arrays deeper than `limit`. One pass, no recursion and no
 * allocation, so it is safe to run before parsing on any input: brackets inside strings do not
 * count. Malformed text is left for the parser to reject.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i += 1;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Replaces Fastify's application/json parser with one that refuses over-deep bodies (400
 * `body_too_deep`) before parsing, then hands the text to Fastify's own parser, which keeps its
 * prototype-poisoning protection (`__proto__` and `constructor.prototype` keys are errors).
 */
export function installJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
        done(
          new DomainError(
            'body_too_deep',
            400,
            `The JSON body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep.`,
          ),
          undefined,
        );
        return;
      }
      // Typed as possibly async; the default parser calls done synchronously.
      void parse(request, text, done);
    },
  );
}
