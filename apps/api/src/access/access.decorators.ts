import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from '../identity/permissions';

export const PUBLIC_ROUTE = 'rampart:public';
export const REQUIRED_PERMISSIONS = 'rampart:permissions';

/** No authentication: health probes, sign-up, sign-in and the like. Everything else is denied by default. */
export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_ROUTE, true);
}

/** An authenticated caller whose role has every one of these permissions (see ROLE_PERMISSIONS). */
export function RequirePermission(
  ...permissions: [Permission, ...Permission[]]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No valid access token.' }),
    ApiForbiddenResponse({ description: '`forbidden`, `mfa_required` or `csrf_invalid`.' }),
  );
}
