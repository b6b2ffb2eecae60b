import { type DynamicModule, Module } from '@nestjs/common';
import { ApiConfig, RuntimeConfig, WorkerConfig } from './runtime-config';
import type { ApiConfigShape, WorkerConfigShape } from './runtime-config';

/**
 * Makes an already parsed configuration injectable: by its app type (ApiConfig / WorkerConfig)
 * and as RuntimeConfig for the libs that need only the shared part. Parsing happens once, in main.
 */
@Module({})
export class ConfigModule {
  static forApi(config: ApiConfigShape): DynamicModule {
    return ConfigModule.provide(ApiConfig, config);
  }

  static forWorker(config: WorkerConfigShape): DynamicModule {
    return ConfigModule.provide(WorkerConfig, config);
  }

  private static provide(token: typeof ApiConfig | typeof WorkerConfig, config: object): DynamicModule {
    const frozen = Object.freeze(config);
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: token, useValue: frozen },
        { provide: RuntimeConfig, useValue: frozen },
      ],
      exports: [token, RuntimeConfig],
    };
  }
}
