import { Module } from '@nestjs/common';
import { SdkKeysController } from './sdk-keys.controller';
import { CreateSdkKey } from './use-cases/create-sdk-key';
import { ListSdkKeys } from './use-cases/list-sdk-keys';
import { RevokeSdkKey } from './use-cases/revoke-sdk-key';

@Module({
  controllers: [SdkKeysController],
  providers: [CreateSdkKey, ListSdkKeys, RevokeSdkKey],
})
export class SdkKeysModule {}
