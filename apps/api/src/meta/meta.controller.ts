import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiConfig } from '@rampart/config';
import { HealthzDto, VersionDto } from './meta.dto';
import { Public } from '../access/access.decorators';

/** The seeds' deployment probes: a cheap liveness answer and the running release. */
@ApiTags('meta')
@Controller({ version: VERSION_NEUTRAL })
export class MetaController {
  constructor(private readonly config: ApiConfig) {}

  @Get('__healthz')
  @Public()
  @ApiOkResponse({ type: HealthzDto })
  healthz(): HealthzDto {
    return { status: 'ok', env: this.config.env, time: new Date().toISOString() };
  }

  @Get('__version')
  @Public()
  @ApiOkResponse({ type: VersionDto })
  version(): VersionDto {
    const { commitSha, buildId, rulesetVersion } = this.config.release;
    return { commit: commitSha, build_id: buildId, ruleset_version: rulesetVersion };
  }
}
