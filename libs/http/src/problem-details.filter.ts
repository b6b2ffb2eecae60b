import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type FieldErrors } from './domain-error';
import { PROBLEM_CONTENT_TYPE, type Problem, defaultCodeFor, problemOf } from './problem';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Fastify's own error codes that reach us (routing, body parsing, limits), mapped to stable Rampart codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_BAD_URL: 'malformed_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_body',
};

/** The stable code for one of Fastify's (or Node's) error codes, by status when it has none of its own. */
export function fastifyProblemCode(code: string | undefined, status: number): string {
  return FASTIFY_CODES[code ?? ''] ?? defaultCodeFor(status);
}

function isFastifyError(error: unknown): error is FastifyLikeError & Error {
  return (
    error instanceof Error &&
    typeof (error as FastifyLikeError).statusCode === 'number' &&
    typeof (error as FastifyLikeError).code === 'string'
  );
}

/**
 * The API's one error format: every error leaves as `application/problem+json` (RFC 9457) with a
 * stable `code` and the request id. Server errors are logged with an error id that the response
 * carries; their internals never reach the client.
 */
/**
 * Turns an error the filter would otherwise answer 500 into the DomainError it stands for (a
 * dependency down is a 503, not a defect), or undefined. The libs that know an error's shape
 * supply them (libs/db: PostgreSQL out of reach).
 */
export type ErrorTranslator = (error: unknown) => DomainError | undefined;

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly translators: readonly ErrorTranslator[] = []) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = this.translate(thrown);
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception);
    problem.instance = request.url.split('?')[0];
    problem.requestId = request.id;
    if (problem.status >= 500) {
      problem.errorId = randomUUID();
      const context = { errorId: problem.errorId, requestId: request.id, code: problem.code };
      // An expected server-side condition (a dependency down) is a warning with its code; anything
      // else is a bug, logged with its stack under the error id the client can quote.
      if (exception instanceof DomainError) this.logger.warn(context, `${problem.code}: ${exception.detail}`);
      else this.logger.error({ ...context, err: exception }, `unhandled error ${problem.errorId}`);
    }
    if (exception instanceof DomainError) void reply.headers(exception.headers);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private translate(exception: unknown): unknown {
    if (exception instanceof DomainError || exception instanceof HttpException) return exception;
    for (const translator of this.translators) {
      const translated = translator(exception);
      if (translated) return translated;
    }
    return exception;
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof DomainError) {
      return this.problem(exception.status, exception.code, exception.detail, exception.extensions);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      const detail = status >= 500 ? undefined : typeof message === 'string' ? message : exception.message;
      // Nest's Fastify adapter wraps Fastify's own errors (body parsing, limits) and keeps them as the cause.
      const cause: unknown = exception.cause;
      const code = isFastifyError(cause) ? FASTIFY_CODES[cause.code ?? ''] : undefined;
      return this.problem(status, code ?? defaultCodeFor(status), detail);
    }
    if (isFastifyError(exception) && exception.statusCode && exception.statusCode < 500) {
      const code = fastifyProblemCode(exception.code, exception.statusCode);
      return this.problem(exception.statusCode, code, exception.message);
    }
    return this.problem(
      500,
      'internal_error',
      'An unexpected error occurred. Quote the errorId when reporting it.',
    );
  }

  private problem(
    status: number,
    code: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
  ): Problem {
    return problemOf(status, code, detail, extensions);
  }
}

/** Groups class-validator messages by field, as `errors` on a `validation_failed` problem. */
export function validationProblem(errors: FieldErrors): DomainError {
  return new DomainError('validation_failed', 400, 'The request is not valid; see errors by field.', {
    errors,
  });
}
