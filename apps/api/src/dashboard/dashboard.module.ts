import { Module } from '@nestjs/common';
import { FlagsModule } from '../flags/flags.module';
import { IncidentsModule } from '../incidents/incidents.module';
import { RolloutsModule } from '../rollouts/rollouts.module';
import { AdminDashboardController } from './admin-dashboard.controller';
import { ApiTraffic } from './api-traffic';
import { GetDashboard } from './use-cases/get-dashboard';

/** The Phase-1 dashboard: its JSON (GET /v1/admin/dashboard) and the API traffic it reports. */
@Module({
  imports: [FlagsModule, RolloutsModule, IncidentsModule],
  controllers: [AdminDashboardController],
  providers: [GetDashboard, ApiTraffic],
  exports: [ApiTraffic],
})
export class DashboardModule {}
