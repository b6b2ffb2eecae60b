export type UserStatus = 'unverified' | 'active' | 'disabled';
export type Role = 'admin' | 'operator' | 'viewer';

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
