import {
  type ArgumentsHost,
  BadRequestException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { DomainError } from './domain-error';
import { ProblemDetailsFilter, validationProblem } from './problem-details.filter';
import type { Problem } from './problem';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: Problem;
}

function run(exception: unknown): Sent {
  const sent: Sent = { status: 0, headers: {}, body: {} as Problem };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return reply;
    },
    headers(values: Record<string, string>) {
      Object.assign(sent.headers, values);
      return reply;
    },
    send(body: Problem) {
      sent.body = body;
      return reply;
    },
  };
  const request = { url: '/v1/things/42?expand=all', id: 'req-1' };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  const filter = new ProblemDetailsFilter();
  // The filter logs 5xx; keep test output quiet.
  jest.spyOn(filter['logger'], 'error').mockImplementation(() => undefined);
  jest.spyOn(filter['logger'], 'warn').mockImplementation(() => undefined);
  filter.catch(exception, host);
  return sent;
}

describe('ProblemDetailsFilter', () => {
  it('answers a domain error with its status and code as problem+json', () => {
    const sent = run(
      new DomainError('version_conflict', 409, 'The flag set changed since version 3.', {
        currentVersion: 4,
      }),
    );
    expect(sent.status).toBe(409);
    expect(sent.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(sent.body).toEqual({
      type: 'urn:rampart:problem:version_conflict',
      title: 'Conflict',
      status: 409,
      detail: 'The flag set changed since version 3.',
      code: 'version_conflict',
      currentVersion: 4,
      instance: '/v1/things/42',
      requestId: 'req-1',
    });
  });

  it('sends the headers a domain error carries', () => {
    const sent = run(
      new DomainError('account_locked', 429, 'Too many failed sign-ins.', {}, { 'retry-after': '900' }),
    );
    expect(sent.headers['retry-after']).toBe('900');
    expect(sent.status).toBe(429);
  });

  it('maps Nest HTTP exceptions to default codes', () => {
    expect(run(new NotFoundException('no such thing')).body).toMatchObject({
      status: 404,
      code: 'not_found',
      detail: 'no such thing',
    });
    expect(run(new BadRequestException()).body).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('maps Fastify body errors to stable codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(run(tooLarge).body).toMatchObject({ status: 413, code: 'payload_too_large' });
    const badJson = Object.assign(new Error('Unexpected token'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    expect(run(badJson).body).toMatchObject({ status: 400, code: 'malformed_body' });
  });

  it('maps Fastify errors that Nest wrapped in an HttpException by their cause', () => {
    const cause = Object.assign(new Error('Body is not valid JSON'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const wrapped = new BadRequestException('Body is not valid JSON', { cause });
    expect(run(wrapped).body).toMatchObject({
      status: 400,
      code: 'malformed_body',
      detail: 'Body is not valid JSON',
    });
  });

  it('hides the internals of an unexpected error behind an error id', () => {
    const sent = run(new Error('connection string postgresql://user:pw@db/x leaked'));
    expect(sent.status).toBe(500);
    expect(sent.body.code).toBe('internal_error');
    expect(sent.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(sent.body)).not.toContain('pw@');
  });

  it('gives a 5xx HTTP exception an error id but no detail', () => {
    const sent = run(new ServiceUnavailableException('internal reason'));
    expect(sent.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(sent.body.detail).toBeUndefined();
    expect(sent.body.errorId).toBeDefined();
  });

  it('groups validation errors by field', () => {
    const sent = run(
      validationProblem({ email: ['email must be an email'], 'profile.name': ['name is too long'] }),
    );
    expect(sent.body).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: { email: ['email must be an email'], 'profile.name': ['name is too long'] },
    });
  });
});
