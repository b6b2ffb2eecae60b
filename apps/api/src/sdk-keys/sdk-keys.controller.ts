import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { SdkKey, SdkKeyKind } from '@rampart/db';
import { RequirePermission } from '../access/access.decorators';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal } from '../identity/principal';
import { CreateSdkKey } from './use-cases/create-sdk-key';
import { ListSdkKeys } from './use-cases/list-sdk-keys';
import { RevokeSdkKey } from './use-cases/revoke-sdk-key';

const KINDS: readonly SdkKeyKind[] = ['server', 'client'];

export class CreateSdkKeyDto {
  @ApiProperty({ maxLength: 100, example: 'checkout-service production' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({
    enum: KINDS,
    description: 'server: every flag; client (browsers, apps): client-visible flags only.',
  })
  @IsIn(KINDS)
  kind!: SdkKeyKind;
}

export class SdkKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: KINDS }) kind!: SdkKeyKind;
  @ApiProperty({ description: 'The first characters of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) revokedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Recorded about once a minute.' }) lastUsedAt!:
    string | null;

  static of(key: SdkKey): SdkKeyDto {
    return {
      id: key.id,
      name: key.name,
      kind: key.kind,
      prefix: key.prefix,
      createdAt: key.createdAt.toISOString(),
      revokedAt: key.revokedAt?.toISOString() ?? null,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class IssuedSdkKeyDto extends SdkKeyDto {
  @ApiProperty({ description: 'The key itself: shown this once, stored only as a hash.' }) key!: string;
}

/** SDK keys for OpenFeature clients (OFREP): issued and revoked by admins, audited. */
@ApiTags('flags')
@Controller({ path: 'admin/sdk-keys', version: '1' })
export class SdkKeysController {
  constructor(
    private readonly createSdkKey: CreateSdkKey,
    private readonly listSdkKeys: ListSdkKeys,
    private readonly revokeSdkKey: RevokeSdkKey,
  ) {}

  @Get()
  @RequirePermission(Permission.SdkKeysManage)
  async list(): Promise<SdkKeyDto[]> {
    return (await this.listSdkKeys.execute()).map((key) => SdkKeyDto.of(key));
  }

  @Post()
  @RequirePermission(Permission.SdkKeysManage)
  @ApiCreatedResponse({ type: IssuedSdkKeyDto })
  async create(
    @CurrentPrincipal() actor: Principal,
    @Body() body: CreateSdkKeyDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedSdkKeyDto> {
    const { record, key } = await this.createSdkKey.execute({ actor, name: body.name, kind: body.kind });
    // The key is a secret: no cache may keep this answer.
    void reply.code(HttpStatus.CREATED).header('cache-control', 'no-store');
    return { ...SdkKeyDto.of(record), key };
  }

  @Delete(':id')
  @RequirePermission(Permission.SdkKeysManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(
    @CurrentPrincipal() actor: Principal,
    @Param('id', new ParseUUIDPipe({ version: '4' })) keyId: string,
  ): Promise<void> {
    await this.revokeSdkKey.execute({ actor, keyId });
  }
}
