import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';

/**
 * An e-mail address in a request body: trimmed (pasted addresses often carry spaces), valid, at
 * most 320 characters. The stored form is normalised later (normaliseEmail).
 */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 'ada@example.com', maxLength: 320 }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsEmail({}, { message: 'email must be an e-mail address' }),
    MaxLength(320),
  );
}
