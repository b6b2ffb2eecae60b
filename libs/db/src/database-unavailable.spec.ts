import { databaseUnavailable } from './database-unavailable';

describe('databaseUnavailable', () => {
  it.each([
    [
      'a driver adapter error of an unreachable server',
      { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } },
    ],
    ['a closed connection, nested', { cause: { cause: { kind: 'ConnectionClosed' } } }],
    ['a Prisma pool timeout', { name: 'PrismaClientKnownRequestError', code: 'P2024' }],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['node-postgres losing the server', new Error('Connection terminated unexpectedly')],
    ['an initialisation failure', { name: 'PrismaClientInitializationError' }],
  ])('answers 503 database_unavailable for %s', (_case, error) => {
    expect(databaseUnavailable(error)).toMatchObject({ status: 503, code: 'database_unavailable' });
  });

  it.each([
    ['a unique violation', { name: 'PrismaClientKnownRequestError', code: 'P2002' }],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'ECONNREFUSED'],
    ['null', null],
  ])('leaves %s alone', (_case, error) => {
    expect(databaseUnavailable(error)).toBeUndefined();
  });
});
