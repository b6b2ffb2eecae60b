import type { FastifyReply } from 'fastify';
import { DomainError, PROBLEM_CONTENT_TYPE, problemType, titleFor } from '@rampart/http';

/**
 * Answers a DomainError as problem+json from a Fastify hook: the pages mounted outside Nest (the
 * queue dashboard, the Phase-1 dashboard) refuse with the same shape as the API. Anything else is
 * rethrown for Fastify's error handler.
 */
export async function answerProblem(reply: FastifyReply, error: unknown, requestId: string): Promise<void> {
  if (!(error instanceof DomainError)) throw error;
  await reply
    .code(error.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send({
      type: problemType(error.code),
      title: titleFor(error.status),
      status: error.status,
      detail: error.detail,
      code: error.code,
      requestId,
    });
}
