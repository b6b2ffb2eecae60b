import { applyDecorators } from '@nestjs/common';
import { ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/**
 * The answers of a route that re-authenticates with the current password (ConfirmCurrentPassword):
 * a wrong password, and the lockout that wrong passwords share with sign-in.
 */
export function ConfirmsCurrentPassword(): MethodDecorator {
  return applyDecorators(
    ApiUnauthorizedResponse({
      // Joined to RequirePermission's "No valid access token." by @nestjs/swagger.
      description: '`invalid_credentials`: the current password is wrong (counted like a failed sign-in).',
    }),
    ApiTooManyRequestsResponse({
      description:
        '`account_locked` with Retry-After: too many wrong passwords or codes for this account, here or at sign-in.',
    }),
  );
}
