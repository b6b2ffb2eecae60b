import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsOptional, validateSync } from 'class-validator';
import { IsBigIntString, IsStorableDate } from './bounded-values';

class Query {
  @IsOptional()
  @IsBigIntString()
  cursor?: string;

  @IsOptional()
  @Type(() => Date)
  @IsStorableDate()
  from?: Date;
}

function errorsOf(input: Record<string, string>): string[] {
  return validateSync(plainToInstance(Query, input)).flatMap((error) =>
    Object.values(error.constraints ?? {}),
  );
}

describe('bounded query values', () => {
  it('accepts a cursor up to the largest bigint and refuses one past it', () => {
    expect(errorsOf({ cursor: '0' })).toEqual([]);
    expect(errorsOf({ cursor: '9223372036854775807' })).toEqual([]);
    expect(errorsOf({ cursor: '9223372036854775808' })).toEqual([
      'cursor must be a whole number from 0 to 9223372036854775807',
    ]);
    expect(errorsOf({ cursor: '-1' })).toHaveLength(1);
    expect(errorsOf({ cursor: '1e3' })).toHaveLength(1);
  });

  it('accepts dates from year 1 to 9999 and refuses the extremes a Date can hold', () => {
    expect(errorsOf({ from: '2026-11-30T00:00:00.000Z' })).toEqual([]);
    expect(errorsOf({ from: '0001-01-01T00:00:00.000Z' })).toEqual([]);
    expect(errorsOf({ from: '9999-12-31T23:59:59.999Z' })).toEqual([]);
    expect(errorsOf({ from: '-271821-04-20T00:00:00.000Z' })).toEqual([
      'from must be an ISO 8601 date between the years 1 and 9999',
    ]);
    expect(errorsOf({ from: '+275760-09-13T00:00:00.000Z' })).toHaveLength(1);
    expect(errorsOf({ from: 'yesterday' })).toHaveLength(1);
  });
});
