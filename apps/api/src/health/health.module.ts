import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FlagsModule } from '../flags/flags.module';
import { DependencyIndicators } from './dependency-indicators';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), FlagsModule],
  controllers: [HealthController],
  providers: [DependencyIndicators],
})
export class HealthModule {}
