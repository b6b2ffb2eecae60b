import {
  Body,
  Controller,
  Get,
  Headers,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Incident } from '@rampart/db';
import { RequirePermission } from '../access/access.decorators';
import { versionEtag, versionPrecondition } from '../flags/version-precondition';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal } from '../identity/principal';
import {
  AddIncidentNoteDto,
  IncidentDto,
  IncidentEntryDto,
  IncidentPageDto,
  IncidentWithTimelineDto,
  ListIncidentsQuery,
  OpenIncidentDto,
  UpdateIncidentDto,
} from './dto/incident.dto';
import { AddIncidentNote } from './use-cases/add-incident-note';
import { GetIncident } from './use-cases/get-incident';
import { ListIncidents } from './use-cases/list-incidents';
import { OpenIncident } from './use-cases/open-incident';
import { UpdateIncident } from './use-cases/update-incident';

const id = new ParseUUIDPipe({ version: '4' });

/** Every answer about one incident carries its version as the ETag, for the next edit's If-Match. */
function withEtag(incident: Incident, reply: FastifyReply): IncidentDto {
  void reply.header('etag', versionEtag(incident.version));
  return IncidentDto.of(incident);
}

/**
 * Incidents: what went wrong during a rollout (or any time), its evidence and its timeline. Everyone
 * who watches rollouts reads them; operators and admins open, edit and move them forward. Edits name
 * the version they are based on (If-Match or expectedVersion), like the flag set's.
 */
@ApiTags('incidents')
@Controller({ path: 'admin/incidents', version: '1' })
export class AdminIncidentsController {
  constructor(
    private readonly listIncidents: ListIncidents,
    private readonly getIncident: GetIncident,
    private readonly openIncident: OpenIncident,
    private readonly updateIncident: UpdateIncident,
    private readonly addIncidentNote: AddIncidentNote,
  ) {}

  @Get()
  @RequirePermission(Permission.IncidentsRead)
  @ApiOkResponse({ type: IncidentPageDto })
  async list(@Query() query: ListIncidentsQuery): Promise<IncidentPageDto> {
    const { items, total } = await this.listIncidents.execute({
      page: query.page,
      pageSize: query.page_size,
      ...(query.status ? { status: query.status } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
    });
    return {
      items: items.map((incident) => IncidentDto.of(incident)),
      page: query.page,
      page_size: query.page_size,
      total,
    };
  }

  @Post()
  @RequirePermission(Permission.IncidentsWrite)
  @ApiCreatedResponse({ type: IncidentDto })
  async open(
    @CurrentPrincipal() actor: Principal,
    @Body() body: OpenIncidentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IncidentDto> {
    const incident = await this.openIncident.execute({ actor, ...body });
    void reply.code(HttpStatus.CREATED).header('location', `/v1/admin/incidents/${incident.id}`);
    return withEtag(incident, reply);
  }

  @Get(':id')
  @RequirePermission(Permission.IncidentsRead)
  @ApiOkResponse({ type: IncidentWithTimelineDto })
  async get(
    @Param('id', id) incidentId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IncidentWithTimelineDto> {
    const { incident, timeline } = await this.getIncident.execute({ incidentId });
    return { ...withEtag(incident, reply), timeline: timeline.map((entry) => IncidentEntryDto.of(entry)) };
  }

  @Patch(':id')
  @RequirePermission(Permission.IncidentsWrite)
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag of the incident your change is based on (or send expectedVersion in the body).',
  })
  @ApiOkResponse({ type: IncidentDto })
  async update(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) incidentId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: UpdateIncidentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IncidentDto> {
    const { incident } = await this.updateIncident.execute({
      actor,
      incidentId,
      ...versionPrecondition(ifMatch, body.expectedVersion, 'the incident'),
      fields: body.fields(),
      ...(body.status ? { status: body.status } : {}),
    });
    return withEtag(incident, reply);
  }

  @Post(':id/notes')
  @RequirePermission(Permission.IncidentsWrite)
  @ApiCreatedResponse({ type: IncidentEntryDto })
  async addNote(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) incidentId: string,
    @Body() body: AddIncidentNoteDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IncidentEntryDto> {
    const entry = await this.addIncidentNote.execute({ actor, incidentId, body: body.body });
    void reply.code(HttpStatus.CREATED);
    return IncidentEntryDto.of(entry);
  }
}
