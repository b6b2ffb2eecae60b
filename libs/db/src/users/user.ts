import { Role as RoleEnum, UserStatus as UserStatusEnum } from '../generated/prisma/enums';

// The schema's enums are the one definition of roles and account states; everything else (DTOs,
// token claims, the permission table) derives from these.
export type UserStatus = UserStatusEnum;
export type Role = RoleEnum;
export const ROLES: readonly Role[] = Object.values(RoleEnum);
export const USER_STATUSES: readonly UserStatus[] = Object.values(UserStatusEnum);

/** An account as the application sees it (the password hash stays in the repository's callers that need it). */
export interface User {
  id: string;
  email: string;
  status: UserStatus;
  role: Role;
  tokenVersion: number;
  emailVerifiedAt: Date | null;
  /** When TOTP was turned on; null while MFA is off. */
  mfaEnabledAt: Date | null;
  createdAt: Date;
}

export interface UserWithPassword extends User {
  passwordHash: string;
}

export interface UserListQuery {
  /** 1-based. */
  page: number;
  pageSize: number;
  /** Part of the e-mail address. */
  q?: string;
  role?: Role;
  status?: UserStatus;
}
