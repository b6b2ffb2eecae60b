import { Injectable } from '@nestjs/common';
import { type SdkKey, SdkKeyRepository } from '@rampart/db';

/** Every SDK key, newest first, revoked ones included; never the keys themselves. */
@Injectable()
export class ListSdkKeys {
  constructor(private readonly keys: SdkKeyRepository) {}

  execute(): Promise<SdkKey[]> {
    return this.keys.list();
  }
}
