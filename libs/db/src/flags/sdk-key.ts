export type SdkKeyKind = 'server' | 'client';

/** An SDK key as stored: never the key itself, only its hash and first characters. */
export interface SdkKey {
  id: string;
  name: string;
  kind: SdkKeyKind;
  keyHash: string;
  prefix: string;
  createdById: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type NewSdkKey = Pick<SdkKey, 'name' | 'kind' | 'keyHash' | 'prefix' | 'createdById'>;
